using Xunit;

namespace ArML.Tests.Support;

/// <summary>
/// Fixtures from the team's shared folder (../shared beside the repository). They are not part of the project:
/// a test that needs one skips, saying why, where the folder is absent.
/// </summary>
public static class SharedData
{
    /// <summary>The repository root (the folder holding ArML.sln).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The full path of <paramref name="relativePath"/> under ../shared, or skips the calling test.</summary>
    public static string PathOrSkip(string relativePath)
    {
        string path = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", relativePath));
        Skip.IfNot(File.Exists(path) || Directory.Exists(path), $"Shared fixture {path} is absent (it lives beside the repository, not in it).");
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ArML.sln"))) return dir.FullName;
        throw new InvalidOperationException("ArML.sln not found above " + AppContext.BaseDirectory);
    }
}
