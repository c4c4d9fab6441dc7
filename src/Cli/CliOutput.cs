using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace ArML.Cli;

/// <summary>
/// Where a command writes: results to <see cref="Out"/> (human text, or one JSON document with <c>--json</c>), progress and
/// notes to <see cref="Err"/> — so <c>arml ... --json | jq</c> and <c>2&gt;log</c> both stay clean. Progress bars are drawn only
/// when stderr is the process's own terminal; otherwise progress is plain lines.
/// </summary>
internal sealed class CliOutput
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public CliOutput(TextWriter output, TextWriter error, bool json, bool quiet)
    {
        Out = output;
        Err = error;
        Json = json;
        Quiet = quiet;
        // Only the real console can host a live display; a test's StringWriter or a redirected stream gets lines.
        Interactive = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected && !quiet;
    }

    public TextWriter Out { get; }

    public TextWriter Err { get; }

    public bool Json { get; }

    public bool Quiet { get; }

    public bool Interactive { get; }

    /// <summary>A note for people (stderr), silenced by <c>--quiet</c>.</summary>
    public void Note(string line)
    {
        if (!Quiet) Err.WriteLine(line);
    }

    /// <summary>Writes a command's result: <paramref name="json"/> with <c>--json</c>, else <paramref name="text"/>.</summary>
    public void Result(JsonObject json, Func<string> text)
    {
        Out.WriteLine(Json ? json.ToJsonString(Indented) : text());
        Out.Flush();
    }

    /// <summary>A Spectre console drawing on stderr, for live progress.</summary>
    public IAnsiConsole ErrorConsole() =>
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
}
