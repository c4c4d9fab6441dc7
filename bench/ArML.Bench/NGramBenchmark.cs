using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace ArML.Bench;

/// <summary>
/// The n-gram trainer beside KenLM in the same time window: the peer's result file (shared/peers/run.sh
/// kenlm-shakespeare, at most an hour old, or run now with --run-peer) gives the views, orders, perplexities and lmplz's
/// peak memory; each row is rebuilt and scored by ArML in a fresh process (<see cref="NGramBenchmarkRun"/>) between two
/// timings of KenLM's lmplz and query (<see cref="KenLmBeside"/>), and the table puts each ArML figure beside the
/// peer's with their ratio. The perplexities must agree to the digits printed: the models are the same estimate.
/// </summary>
internal static class NGramBenchmark
{
    private static readonly TimeSpan MaximumPeerAge = TimeSpan.FromHours(1);

    public static int Run(string[] args)
    {
        string data = DataPath(args);
        string? peerFile = Argument(args, "--peer");
        if (args.Contains("--run-peer")) RunPeer(args);
        peerFile ??= NewestPeerResult();
        var age = DateTime.UtcNow - File.GetLastWriteTimeUtc(peerFile);
        if (age > MaximumPeerAge)
        {
            Console.Error.WriteLine($"{peerFile} is {age.TotalMinutes:F0} minutes old; a peer figure from another window is no baseline. " +
                                    $"Run `bash {PeerScript()} kenlm-shakespeare` first, or pass --run-peer.");
            return 2;
        }
        var peer = PeerRows(peerFile);
        var views = Argument(args, "--views")?.Split(',');
        var orders = Argument(args, "--orders")?.Split(',').Select(o => int.Parse(o, CultureInfo.InvariantCulture)).ToArray();
        string runs = Argument(args, "--runs") ?? "5";
        var beside = args.Contains("--peer-file-only") ? null : KenLmBeside.Find();
        Console.WriteLine($"N-gram (modified Kneser-Ney) vs KenLM on tiny Shakespeare characters; peer file {peerFile} ({age.TotalMinutes:F0} min old).");
        Console.WriteLine($"load average now: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine((ReadyToRun.Compiled(typeof(ArML.Trainers.NGram.NGramTrainer).Assembly), ReadyToRun.Compiled(typeof(Microsoft.ML.MLContext).Assembly)) switch
        {
            (true, true) => "ArML's and ML.NET's code: compiled ahead of time (ReadyToRun), as `arml` and apps published with -p:PublishReadyToRun=true run it.",
            (true, false) => "ArML's code compiled ahead of time, ML.NET's JIT-compiled: as an app on linux-x64 runs with ArML's packages (their runtimes/linux-x64 images).",
            _ => "ArML's and ML.NET's code: JIT-compiled as it first runs (dotnet run of this repository's projects). Ahead-of-time code: dotnet publish " +
                 "bench/ArML.Bench -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o bench/ArML.Bench/bin/r2r (all of it) or " +
                 "with -p:ArmlReadyToRunArmlOnly=true -o bench/ArML.Bench/bin/r2r-arml (ArML's, as its packages carry it), then run ArML.Bench ngram there.",
        });
        Console.WriteLine($"{"view",-6} {"ord",3} | {"PPL",7} {"KenLM",7} {"",2} | {"build s",7} {"jit",4} {"lmplz",6} {"ratio",6} {"warm",5} {"ratio",6} | {"peak MB",7} {"lmplz",6} {"ratio",6} | " +
                          $"{"own Mt/s",8} {"query",6} {"ratio",6} | {"pipe",6} {"/own",5} | {"read",6}");
        bool allMatch = true;
        foreach (var row in peer)
        {
            var p = row;
            if (views != null && !views.Contains(p.View) || orders != null && !orders.Contains(p.Order)) continue;
            // lmplz timed again just before and just after this row, and query between its own scoring passes (the
            // file's figures when KenLM's binaries are gone).
            double lmplzBefore = beside?.LmplzSeconds(p.View, p.Order, p.LmplzArguments) ?? double.NaN;
            var r = Child($"ngram-one --data \"{data}\" --view {p.View} --order {p.Order} --runs {runs}" +
                          (beside != null ? $" --beside --query-tokens {p.QueryTokens}" : ""));
            double lmplzAfter = beside?.LmplzSeconds(p.View, p.Order, p.LmplzArguments) ?? double.NaN;
            if (double.IsFinite(lmplzBefore + lmplzAfter)) p = p with { BuildS = (lmplzBefore + lmplzAfter) / 2 };
            double queryRatio = r["own_tok_s"] / p.QueryTokS;
            if (double.IsFinite(r["query_ratio"])) (p, queryRatio) = (p with { QueryTokS = r["query_tok_s"] }, r["query_ratio"]);
            bool match = r["ppl"].ToString("F3", CultureInfo.InvariantCulture) == p.Perplexity.ToString("F3", CultureInfo.InvariantCulture);
            allMatch &= match;
            Console.WriteLine(FormattableString.Invariant(
                $"{p.View,-6} {p.Order,3} | {r["ppl"],7:F3} {p.Perplexity,7:F3} {(match ? "ok" : "!!"),2} | {r["build_s"],7:F2} {r["build_jit_s"],4:F2} {p.BuildS,6:F2} {r["build_s"] / p.BuildS,5:F2}x {r["warm_build_s"],5:F2} {r["warm_build_s"] / p.BuildS,5:F2}x | ") + FormattableString.Invariant(
                $"{r["peak_mb"],7:F0} {p.PeakMb,6:F0} {r["peak_mb"] / p.PeakMb,5:F2}x | {r["own_tok_s"] / 1e6,8:F2} {p.QueryTokS / 1e6,6:F2} {queryRatio,5:F2}x | ") + FormattableString.Invariant(
                $"{r["pipeline_tok_s"] / 1e6,6:F2} {r["pipeline_ratio"],4:F2}x | {r["read_tok_s"] / 1e6,6:F1}"));
        }
        Console.WriteLine($"load average now: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine("PPL: 10^(-sum log10 p / tokens), every </s> included (the peer's PPL column); ok = equal to the digits printed.");
        Console.WriteLine(beside != null
            ? "lmplz: KenLM's run just before and just after each row's process, their mean; query: run between that process's own passes, " +
              "median of its runs, and the ratio is the median of neighbouring (own, query) pairs; PPL and lmplz's peak from the peer file."
            : "lmplz and query: the peer file's figures (KenLM's binaries were not found, or --peer-file-only).");
        Console.WriteLine("build s: Fit (tokenize, count, estimate, lay out), the first in its process, vs lmplz's median wall; jit: the JIT's compile time within it; warm: the same Fit again in that process (its code compiled); peak MB: whole process (.NET runtime and ML.NET included) vs lmplz's peak RSS.");
        Console.WriteLine("own Mt/s: NGramLanguageModel.ScoreSentence over the validation rows repeated to >= 5M tokens (median of timed passes after a warm-up) vs KenLM query's tokens/s;");
        Console.WriteLine("pipe: the transformer's LogLikelihood read through an IDataView cursor over the same repeated rows (tokens cached), its passes taking turns with the own scorer's; /own: median of the neighbouring pairs' ratios; read: the cached tokens read alone.");
        if (!allMatch) Console.WriteLine("WARNING: a perplexity differs from KenLM's (!!): the estimate or the data views changed.");
        return allMatch ? 0 : 1;
    }

    private sealed record PeerRow(string View, int Order, double Perplexity, double BuildS, double PeakMb, double QueryTokS, string LmplzArguments, long QueryTokens);

    private static List<PeerRow> PeerRows(string path)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.GetProperty("rows").EnumerateArray().Select(r => new PeerRow(
            r.GetProperty("view").GetString()!, r.GetProperty("order").GetInt32(), r.GetProperty("valid").GetProperty("ppl").GetDouble(),
            r.GetProperty("lmplz_s_median").GetDouble(), r.GetProperty("lmplz_peak_rss_mib").GetDouble(), r.GetProperty("query_tokens_per_s").GetDouble(),
            r.GetProperty("lmplz_cmd").GetString()!.Split(' ', 2)[1], r.GetProperty("query_rep_tokens").GetInt64())).ToList();
    }

    internal static string PeersWork() => Environment.GetEnvironmentVariable("PEERS_WORK") is { Length: > 0 } w ? w : "/tmp/arml-peers";

    private static string NewestPeerResult()
    {
        string results = Path.Combine(PeersWork(), "results");
        var newest = Directory.Exists(results)
            ? new DirectoryInfo(results).GetFiles("kenlm-shakespeare-*.json").OrderByDescending(f => f.LastWriteTimeUtc).FirstOrDefault()
            : null;
        return newest?.FullName ?? throw new FileNotFoundException(
            $"No kenlm-shakespeare result in {results}: run `bash {PeerScript()} kenlm-shakespeare` (about 2 min) or pass --run-peer.");
    }

    private static void RunPeer(string[] args)
    {
        var info = new ProcessStartInfo("bash", $"\"{PeerScript()}\" kenlm-shakespeare") { UseShellExecute = false };
        if (Argument(args, "--peer-runs") is string runs) info.Environment["RUNS"] = runs;
        if (Argument(args, "--views") is string views) info.Environment["VIEWS"] = views.Replace(',', ' ');
        if (Argument(args, "--orders") is string orders) info.Environment["ORDERS"] = orders.Replace(',', ' ');
        using var peer = Process.Start(info)!;
        peer.WaitForExit();
        if (peer.ExitCode != 0) throw new InvalidOperationException($"The KenLM peer failed (exit code {peer.ExitCode}); see its output above.");
    }

    internal static string PeerScript() => Path.GetFullPath(Path.Combine(SharedFolder(), "peers", "run.sh"));

    private static Dictionary<string, double> Child(string arguments)
    {
        string self = Environment.ProcessPath!;
        bool viaDotnet = Path.GetFileNameWithoutExtension(self) == "dotnet";
        var info = new ProcessStartInfo(self, viaDotnet ? $"\"{typeof(NGramBenchmark).Assembly.Location}\" {arguments}" : arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var child = Process.Start(info)!;
        string output = child.StandardOutput.ReadToEnd();
        string errors = child.StandardError.ReadToEnd();
        child.WaitForExit();
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith("ppl=", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("The n-gram benchmark printed no result: " + output + errors);
        return line.Trim().Split(' ').Select(f => f.Split('=')).ToDictionary(f => f[0], f => double.Parse(f[1], CultureInfo.InvariantCulture));
    }

    private static string SharedFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "..", "shared");
            if (File.Exists(Path.Combine(dir.FullName, "ArML.sln")) && Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("../shared beside the repository not found.");
    }

    internal static string DataPath(string[] args)
    {
        if (Argument(args, "--data") is string given) return given;
        string candidate = Path.Combine(SharedFolder(), "data", "tinyshakespeare.txt");
        return File.Exists(candidate) ? Path.GetFullPath(candidate)
            : throw new FileNotFoundException("tinyshakespeare.txt not found in ../shared/data beside the repository; pass --data PATH.");
    }

    internal static string? Argument(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
