using System.CommandLine;
using ArML.Cli.Commands;

namespace ArML.Cli;

/// <summary>The <c>arml</c> command line, callable in-process (tests, hosts) as well as from <c>Program</c>.</summary>
internal static class Cli
{
    /// <summary>Runs one command line.</summary>
    /// <param name="args">The arguments, without the program name.</param>
    /// <param name="output">Where results go (stdout).</param>
    /// <param name="error">Where progress, notes and errors go (stderr).</param>
    /// <param name="cancellation">Stops long work (Ctrl-C): training leaves a checkpoint to resume from.</param>
    /// <returns>The exit code: 0 success, 1 error, 2 bad command line, 130 interrupted.</returns>
    public static int Run(string[] args, TextWriter output, TextWriter error, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        var session = new CliSession(output, error, cancellation);
        var root = BuildRoot(session);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // One line, no help dump: the most specific problem (one that quotes the offending token), then "arml COMMAND --help" for more.
            var problem = parsed.Errors.OrderBy(e => e.Message.Contains('\'') ? 0 : 1).First();
            error.WriteLine($"arml: error: {problem.Message}");
            return ExitCodes.Usage;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            var inner = Unwrap(e);
            var (code, message) = inner switch
            {
                CliException cli => (cli.ExitCode, cli.Message),
                OperationCanceledException => (ExitCodes.Interrupted, session.InterruptMessage ?? "interrupted."),
                _ => (ExitCodes.Error, inner.Message),
            };
            error.WriteLine($"arml: error: {FirstLine(message)}");
            // The whole exception only on request: users get one line, developers set ARML_DEBUG=1.
            if (Environment.GetEnvironmentVariable("ARML_DEBUG") == "1") error.WriteLine(inner);
            return code;
        }
    }

    /// <summary>The command tree; <paramref name="session"/> carries the writers and the cancellation token into the actions.</summary>
    internal static RootCommand BuildRoot(CliSession session)
    {
        var root = new RootCommand("arml: train, evaluate, compare, sample and score autoregressive language models (ArML).");
        root.Options.Add(session.Json);
        root.Options.Add(session.Quiet);
        root.Subcommands.Add(TokenizeCommand.Create(session));
        root.Subcommands.Add(TrainCommand.Create(session));
        root.Subcommands.Add(EvalCommand.CreateEval(session));
        root.Subcommands.Add(EvalCommand.CreateCompare(session));
        root.Subcommands.Add(GenerateCommand.Create(session));
        root.Subcommands.Add(ScoreCommand.Create(session));
        root.Subcommands.Add(ExportCommand.Create(session));
        return root;
    }

    private static Exception Unwrap(Exception e)
    {
        while ((e is AggregateException || e is System.Reflection.TargetInvocationException) && e.InnerException != null) e = e.InnerException;
        return e;
    }

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return (end < 0 ? message : message[..end]).Trim();
    }
}

/// <summary>What every command's action needs from the invocation.</summary>
internal sealed class CliSession(TextWriter output, TextWriter error, CancellationToken cancellation)
{
    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>Set by a command that was interrupted, to say what was kept (e.g. the checkpoint to resume from).</summary>
    public string? InterruptMessage { get; set; }

    /// <summary>Every command accepts it: the result as one JSON document on stdout.</summary>
    public Option<bool> Json { get; } = new("--json") { Description = "Write the result as one JSON document on stdout.", Recursive = true };

    /// <summary>Every command accepts it: nothing but errors on stderr.</summary>
    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "No progress or notes on stderr.", Recursive = true };

    public CliOutput OutputFor(ParseResult parsed) => new(Output, Error, parsed.GetValue(Json), parsed.GetValue(Quiet));
}
