using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace ArML.Bench.Tokenizers;

/// <summary>
/// The tokenizer benchmark's corpora: ../shared/data/tinyshakespeare.txt and "sdkdocs", the text of the
/// summary/remarks/param/returns elements of the .NET SDK's reference XML documentation (tags stripped, whitespace
/// collapsed, one paragraph per line, duplicates removed), as ../shared/reference/tokenizers.md describes.
/// </summary>
internal static partial class BenchCorpora
{
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ArML.sln"))) return dir.FullName;
        throw new InvalidOperationException("ArML.sln not found above " + AppContext.BaseDirectory);
    }

    public static string? Shakespeare()
    {
        string path = Path.GetFullPath(Path.Combine(RepositoryRoot(), "..", "shared", "data", "tinyshakespeare.txt"));
        return File.Exists(path) ? path : null;
    }

    /// <summary>Builds the sdkdocs corpus once (cached in the temp folder) and returns its path, or null without an SDK.</summary>
    public static string? SdkDocs()
    {
        string cached = Path.Combine(Path.GetTempPath(), "arml-bench-sdkdocs.txt");
        if (File.Exists(cached)) return cached;
        // The runtime lives in DOTNET_ROOT/shared/Microsoft.NETCore.App/VERSION; the reference packs in DOTNET_ROOT/packs.
        string root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        string packs = Path.Combine(root, "packs");
        if (!Directory.Exists(packs)) return null;
        var files = Directory.EnumerateDirectories(packs).SelectMany(Directory.EnumerateDirectories)
            .Select(version => Path.Combine(version, "ref", "net10.0")).Where(Directory.Exists)
            .SelectMany(dir => Directory.EnumerateFiles(dir, "*.xml")).Order(StringComparer.Ordinal).ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var text = new StringBuilder();
        foreach (string file in files)
        {
            XDocument doc;
            try
            {
                doc = XDocument.Load(file);
            }
            catch (System.Xml.XmlException)
            {
                continue;
            }
            foreach (var element in doc.Descendants().Where(e => e.Name.LocalName is "summary" or "remarks" or "param" or "returns"))
            {
                string paragraph = Whitespace().Replace(element.Value, " ").Trim();
                if (paragraph.Length > 0 && seen.Add(paragraph)) text.Append(paragraph).Append('\n');
            }
        }
        if (text.Length == 0) return null;
        File.WriteAllText(cached, text.ToString());
        return cached;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
