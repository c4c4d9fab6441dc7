namespace ArML.Persistence;

/// <summary>
/// Rules for names inside an ArML archive. Names come from untrusted files, so they are checked against a small
/// whitelist instead of a blacklist of dangerous patterns: only ASCII letters, digits, '.', '_' and '-' in segments
/// separated by single '/'. That rules out traversal ("..", absolute paths, drive letters, backslashes) by construction.
/// </summary>
internal static class EntryNames
{
    internal const string Manifest = "manifest.json";
    internal const string ManifestChecksum = "manifest.sha256";
    internal const string InputSchema = "input-schema.zip";

    private const int MaxFileNameLength = 128;
    private const int MaxPathLength = 256;

    /// <summary>The folder of the part at <paramref name="index"/> in the model's flattened order.</summary>
    internal static string ComponentFolder(int index) => $"components/{index:D3}/";

    /// <summary>The entry holding the ML.NET segment at <paramref name="index"/> in the model's flattened order.</summary>
    internal static string MlNetSegment(int index) => $"mlnet/{index:D3}.zip";

    /// <summary>Why <paramref name="name"/> is not an acceptable simple file name, or null when it is.</summary>
    internal static string? ProblemWithFileName(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "it is empty";
        if (name.Length > MaxFileNameLength) return $"it is longer than {MaxFileNameLength} characters";
        if (name is "." or "..") return "it is a relative path reference";
        foreach (char c in name)
        {
            if (!IsAllowed(c))
                return c is '/' or '\\'
                    ? "it contains a path separator (component entries are plain file names)"
                    : $"it contains the character '{Printable(c)}' (allowed: letters, digits, '.', '_', '-')";
        }
        return null;
    }

    /// <summary>Why the archive path <paramref name="path"/> is unacceptable, or null when it is fine.</summary>
    internal static string? ProblemWithPath(string? path)
    {
        if (string.IsNullOrEmpty(path)) return "the name is empty";
        if (path.Length > MaxPathLength) return $"the name is longer than {MaxPathLength} characters";
        if (path[0] is '/' or '\\') return "it is an absolute path";
        if (path.Contains('\\')) return "it contains a backslash";
        if (path.Contains(':')) return "it contains ':' (a drive letter or stream name)";
        if (path.EndsWith('/')) return "it is a directory entry";
        foreach (string segment in path.Split('/'))
        {
            if (segment.Length == 0) return "it contains an empty path segment";
            if (segment is "." or "..") return "it contains a relative path segment (path traversal)";
            foreach (char c in segment)
                if (!IsAllowed(c)) return $"it contains the character '{Printable(c)}'";
        }
        return null;
    }

    private static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';

    private static string Printable(char c) => char.IsControl(c) || char.IsWhiteSpace(c) ? $"U+{(int)c:X4}" : c.ToString();
}
