using System.Text.RegularExpressions;
using ArML.Tests.Support;
using Xunit;

namespace ArML.Tests.Docs;

/// <summary>
/// Every line of every C# block of the README stands, in the block's order, in ReadmeSnippets.cs, which the test
/// project compiles: a snippet that stops compiling (a renamed API, a nullable warning) fails the build, and a README
/// edit that is not mirrored there fails this test.
/// </summary>
public class ReadmeSnippetsTests
{
    [Fact]
    public void EveryCSharpBlockOfTheReadmeIsCompiled()
    {
        string readme = File.ReadAllText(Path.Combine(SharedData.RepositoryRoot, "README.md"));
        string[] compiled = File.ReadAllLines(Path.Combine(SharedData.RepositoryRoot, "test", "ArML.Tests", "Docs", "ReadmeSnippets.cs"))
            .Select(Normalize).ToArray();
        var blocks = Regex.Matches(readme, "```csharp\\n(.*?)```", RegexOptions.Singleline);
        Assert.NotEmpty(blocks);
        foreach (Match block in blocks)
        {
            int at = 0;
            foreach (string line in block.Groups[1].Value.Split('\n').Select(Normalize).Where(l => l.Length > 0))
            {
                if (line.StartsWith("using ", StringComparison.Ordinal))
                {
                    string directive = line[..(line.IndexOf(';') + 1)];   // without a trailing comment
                    Assert.True(compiled.Contains(directive), $"README using directive not in ReadmeSnippets.cs: {directive}");
                    continue;
                }
                int found = Array.IndexOf(compiled, line, at);
                Assert.True(found >= 0, $"README line not in ReadmeSnippets.cs (after line {at + 1}): {line}");
                at = found + 1;
            }
        }
    }

    private static string Normalize(string line) => Regex.Replace(line.Trim(), "\\s+", " ");
}
