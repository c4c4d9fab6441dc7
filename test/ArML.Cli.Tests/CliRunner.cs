using System.Diagnostics;

namespace ArML.Cli.Tests;

/// <summary>Runs the tool in-process (<see cref="Cli.Run"/>) or as a process (<c>dotnet arml.dll</c>), capturing both streams.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Err);

    public static Result InProcess(params string[] args) => InProcess(args, CancellationToken.None);

    public static Result InProcess(string[] args, CancellationToken cancellation, TextWriter? error = null)
    {
        var output = new StringWriter();
        error ??= new StringWriter();
        int code = Cli.Run(args, output, error, cancellation);
        return new Result(code, output.ToString(), error.ToString()!);
    }

    /// <summary>The tool's entry assembly, copied beside the tests by the project reference.</summary>
    public static string ToolPath => Path.Combine(AppContext.BaseDirectory, "arml.dll");

    public static Process Start(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        start.ArgumentList.Add(ToolPath);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return Process.Start(start)!;
    }

    public static Result AsProcess(string workingDirectory, params string[] args)
    {
        using var process = Start(workingDirectory, args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2))) { process.Kill(); throw new TimeoutException(string.Join(' ', args)); }
        return new Result(process.ExitCode, output.Result, error.Result);
    }
}

/// <summary>A temporary folder with a small word corpus (seeded), deleted afterwards.</summary>
public sealed class Workspace : IDisposable
{
    private static readonly string[] Words = "the cat sat on a mat and dog ran to big red house with small blue car".Split(' ');

    public Workspace()
    {
        Folder = Path.Combine(Path.GetTempPath(), "arml-cli-tests-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Folder);
        System.IO.File.WriteAllLines(File("train.txt"), Lines(1, 600));
        System.IO.File.WriteAllLines(File("valid.txt"), Lines(2, 60));
        System.IO.File.WriteAllLines(File("test.txt"), Lines(3, 101));
    }

    public string Folder { get; }

    public string File(string name) => Path.Combine(Folder, name);

    public static IEnumerable<string> Lines(int seed, int count)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++) yield return string.Join(' ', Enumerable.Range(0, random.Next(2, 10)).Select(_ => Words[random.Next(Words.Length)]));
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}

/// <summary>One workspace and a trained 3-gram model shared by a test class.</summary>
public sealed class NGramFixture : IDisposable
{
    public NGramFixture()
    {
        var result = CliRunner.InProcess("train", "ngram", "--data", Space.File("train.txt"), "--order", "3", "-o", Model, "-q");
        if (result.ExitCode != 0) throw new InvalidOperationException(result.Err);
    }

    public Workspace Space { get; } = new();

    public string Model => Space.File("ngram.zip");

    public void Dispose() => Space.Dispose();
}
