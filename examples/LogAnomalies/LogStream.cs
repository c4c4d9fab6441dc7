using System.Globalization;

namespace ArML.Examples.LogAnomalies;

/// <summary>
/// A seeded system-log stream: timestamps, hosts, processes with pids, and templated messages with parameters (ssh
/// logins, web requests, session state changes, database statements, cron jobs, hardware reports). Anomalies of three
/// kinds can be injected: message templates the system never writes, session state changes out of lifecycle order,
/// and ordinary templates with unusual parameters.
/// </summary>
public sealed class LogStream(int seed, DateTime start)
{
    public const string UnknownTemplate = "unknown template";
    public const string OutOfOrder = "out-of-order sequence";
    public const string UnusualParameter = "unusual parameter";

    private static readonly string[] Users = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "deploy", "backup"];
    private static readonly string[] Paths = ["/", "/login", "/api/orders", "/api/orders/{id}", "/api/cart", "/static/app.js", "/static/site.css", "/health"];
    // The session lifecycle: each state's possible next states.
    private static readonly Dictionary<string, string[]> Next = new()
    {
        ["NEW"] = ["AUTH"], ["AUTH"] = ["ACTIVE"], ["ACTIVE"] = ["IDLE", "CLOSED"], ["IDLE"] = ["ACTIVE", "CLOSED"],
    };

    private readonly Random _random = new(seed);
    private readonly Dictionary<int, string> _sessions = [];
    private DateTime _clock = start;
    private int _nextSession = 1000 + seed % 1000;

    /// <summary><paramref name="count"/> lines, each an anomaly with probability <paramref name="anomalyRate"/> (its kind drawn uniformly).</summary>
    public IEnumerable<LogLine> Lines(int count, double anomalyRate = 0)
    {
        for (int i = 0; i < count; i++)
        {
            _clock = _clock.AddMilliseconds(_random.Next(1, 2500));
            if (_random.NextDouble() < anomalyRate)
            {
                string kind = Pick([UnknownTemplate, OutOfOrder, UnusualParameter]);
                var (component, message) = Anomaly(kind);
                yield return new LogLine { Time = Time(), Text = Prefix(component) + message, Label = 1, Kind = kind };
            }
            else
            {
                var (component, message) = Normal();
                yield return new LogLine { Time = Time(), Text = Prefix(component) + message, Kind = "normal" };
            }
        }
    }

    private string Prefix(string component)
    {
        string host = component switch
        {
            "postgres" => $"db-0{_random.Next(1, 3)}",
            "nginx" or "app" => $"web-0{_random.Next(1, 7)}",
            _ => Pick(["web-01", "web-02", "web-03", "web-04", "web-05", "web-06", "db-01", "db-02", "cache-01"]),
        };
        string process = component == "kernel" ? "kernel:" : $"{component}[{_random.Next(300, 32000)}]:";
        return $"{host} {process} ";
    }

    private string Time() => _clock.ToString("yyyy-MM-dd'T'HH:mm:ss.fff", CultureInfo.InvariantCulture);

    private (string Component, string Message) Normal()
    {
        double u = _random.NextDouble();
        string ip = $"10.0.{_random.Next(0, 8)}.{_random.Next(2, 250)}";
        if (u < 0.30)
        {
            string path = Pick(Paths).Replace("{id}", _random.Next(1, 99999).ToString(CultureInfo.InvariantCulture));
            int status = _random.NextDouble() < 0.9 ? 200 : Pick([304, 404, 302]);
            int ms = (int)Math.Exp(1.5 + _random.NextDouble() * 3.5);
            return ("nginx", $"{ip} \"GET {path} HTTP/1.1\" {status} {_random.Next(200, 40000)} {ms}ms");
        }
        if (u < 0.55) return ("app", Transition());
        if (u < 0.72)
        {
            int ms = (int)Math.Exp(_random.NextDouble() * 5);
            return ("postgres", $"LOG: duration: {ms}.{_random.Next(100, 999)} ms statement: SELECT * FROM orders WHERE id = {_random.Next(1, 99999)}");
        }
        if (u < 0.88)
        {
            string user = Pick(Users);
            int port = _random.Next(32768, 61000);
            return ("sshd", _random.NextDouble() < 0.5 ? $"Accepted publickey for {user} from {ip} port {port} ssh2"
                : _random.NextDouble() < 0.9 ? $"Disconnected from user {user} {ip} port {port}"
                : $"Failed password for {user} from {ip} port {port} ssh2");
        }
        if (u < 0.95) return ("cron", $"({Pick(["backup", "deploy", "root"])}) CMD (/usr/local/bin/{Pick(["backup.sh --incremental", "rotate-logs.sh", "sync-assets.sh"])})");
        return ("kernel", $"CPU{_random.Next(0, 16)}: temperature {_random.Next(38, 71)}C within limits");
    }

    // The next state change of a live session (a new session now and then, closed ones forgotten).
    private string Transition()
    {
        if (_sessions.Count < 3 || _random.NextDouble() < 0.15) _sessions[_nextSession++] = "NEW";
        var id = _sessions.Keys.ElementAt(_random.Next(_sessions.Count));
        string from = _sessions[id], to = Pick(Next[from]);
        if (to == "CLOSED") _sessions.Remove(id);
        else _sessions[id] = to;
        return $"session {id} state {from} -> {to}";
    }

    private (string Component, string Message) Anomaly(string kind)
    {
        string ip = $"10.0.{_random.Next(0, 8)}.{_random.Next(2, 250)}";
        int port = _random.Next(32768, 61000);
        return kind switch
        {
            UnknownTemplate => Pick<(string, string)>([
                ("kernel", $"Out of memory: Killed process {_random.Next(300, 32000)} (java) total-vm:{_random.Next(1_000_000, 9_000_000)}kB"),
                ("sshd", $"error: maximum authentication attempts exceeded for root from {ip} port {port} ssh2"),
                ("postgres", "FATAL: the database system is in recovery mode"),
                ("app", "panic: runtime error: index out of range [3] with length 3"),
                ("kernel", $"EXT4-fs error (device sda1): ext4_find_entry:1455: inode #{_random.Next(1000, 99999)}: comm nginx: reading directory lblock 0"),
            ]),
            // A state change the lifecycle never makes, for a session that exists.
            OutOfOrder => ("app", $"session {_nextSession - _random.Next(1, 40)} state " +
                Pick(["CLOSED -> ACTIVE", "ACTIVE -> NEW", "IDLE -> AUTH", "NEW -> CLOSED", "AUTH -> IDLE", "CLOSED -> IDLE"])),
            _ => Pick<(string, string)>([
                ("nginx", $"{ip} \"GET /api/orders HTTP/1.1\" 502 {_random.Next(100, 400)} {_random.Next(30000, 99999)}ms"),
                ("nginx", $"{ip} \"GET /static/../../etc/passwd HTTP/1.1\" 404 {_random.Next(100, 400)} {_random.Next(2, 90)}ms"),
                ("sshd", $"Accepted password for root from 185.220.{_random.Next(0, 255)}.{_random.Next(2, 250)} port {port} ssh2"),
                ("postgres", $"LOG: duration: {_random.Next(60000, 999999)}.{_random.Next(100, 999)} ms statement: SELECT * FROM orders WHERE id = {_random.Next(1, 99999)}"),
                ("cron", $"(nobody) CMD (/tmp/.x/{Pick(["xmrig", "kworker"])} --donate-level 0)"),
            ]),
        };
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];
}
