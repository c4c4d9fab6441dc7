namespace ArML.Cli;

/// <summary>A user error (bad file, option or model): reported as one line on stderr with a non-zero exit code, never a stack trace.</summary>
internal sealed class CliException : Exception
{
    /// <summary>Creates the error with the line the user sees.</summary>
    /// <param name="message">One line that names the file, option or column at fault.</param>
    /// <param name="exitCode">The process exit code; 1 by default (2 is kept for command-line syntax errors).</param>
    public CliException(string message, int exitCode = ExitCodes.Error) : base(message) => ExitCode = exitCode;

    /// <summary>The process exit code.</summary>
    public int ExitCode { get; }
}

/// <summary>The tool's exit codes.</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Success = 0;

    /// <summary>A failure: unreadable input, a bad model file, a library error.</summary>
    public const int Error = 1;

    /// <summary>The command line itself is wrong (unknown option, missing argument, bad value).</summary>
    public const int Usage = 2;

    /// <summary>Interrupted (Ctrl-C), as shells report SIGINT: 128 + 2.</summary>
    public const int Interrupted = 130;
}
