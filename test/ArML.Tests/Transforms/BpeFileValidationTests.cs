using System.Text;
using ArML.Transforms.Text;
using ArML.Transforms.Text.Encodings;
using Xunit;

namespace ArML.Tests.Transforms;

/// <summary>Hostile and incomplete vocab.json / merges.txt files: refused before any allocation sized by them, naming file and entry or line.</summary>
public class BpeFileValidationTests
{
    private static MemoryStream Utf8(string text) => new(Encoding.UTF8.GetBytes(text));

    /// <summary>vocab.json with the 256 byte tokens (ids 0..255) and then <paramref name="extra"/>.</summary>
    public static MemoryStream ByteVocabulary(params string[] extra) => Utf8(ByteVocabularyJson(extra));

    private static string ByteVocabularyJson(params string[] extra) =>
        "{" + string.Join(",", ByteLevelAlphabet.Characters.Select(c => c.ToString()).Concat(extra)
            .Select((t, id) => $"{System.Text.Json.JsonSerializer.Serialize(t)}:{id}")) + "}";

    [Fact]
    public void AByteLevelVocabularyWithoutItsByteTokensIsRefusedNamingTheFirstMissing()
    {
        // Before: this loaded, IsLossless said true, and "hello world ab" encoded as "ab" alone.
        var error = Assert.Throws<ArgumentException>(() =>
            BpeVocabulary.FromFiles(Utf8("""{"a":0,"b":1,"ab":2}"""), Utf8("a b\n")));
        Assert.Contains("lacks 254 of the 256 byte tokens", error.Message);
        Assert.Contains("byte 0x00", error.Message);

        // One byte missing: named exactly (the space, written 'Ġ').
        var tokens = ByteLevelAlphabet.Characters.Select(c => c.ToString()).ToArray();
        tokens[0x20] = "xyz";
        string json = "{" + string.Join(",", tokens.Select((t, id) => $"{System.Text.Json.JsonSerializer.Serialize(t)}:{id}")) + "}";
        var one = Assert.Throws<ArgumentException>(() => BpeVocabulary.FromFiles(Utf8(json), Utf8("")));
        Assert.Contains("lacks 1 of the 256 byte tokens", one.Message);
        Assert.Contains("byte 0x20", one.Message);

        // With every byte token, every text round-trips.
        var full = BpeVocabulary.FromFiles(ByteVocabulary("ab"), Utf8("a b\n"));
        Assert.True(full.IsLossless);
        Assert.Equal("hello world ab", full.Decode(full.Encode("hello world ab").ToArray()));
    }

    [Fact]
    public void AVocabularyThatIsNotByteLevelNeedsAnUnknownToken()
    {
        // Before: loaded, and "abd" encoded as "ab" (the 'd' silently dropped).
        var error = Assert.Throws<ArgumentException>(() =>
            BpeVocabulary.FromFiles(Utf8("""{"a":0,"b":1,"ab":2}"""), Utf8("a b\n"), byteLevel: false));
        Assert.Contains("unknown token", error.Message);
        var withUnknown = BpeVocabulary.FromFiles(Utf8("""{"<unk>":0,"a":1,"b":2,"ab":3}"""), Utf8("a b\n"), byteLevel: false, unknownToken: "<unk>");
        Assert.Equal([3, 0], withUnknown.Encode("abd"));
    }

    [Theory]
    [InlineData("""{"a":0,"b":30000000}""", "entry 2 ('b') has id 30000000")]
    [InlineData("""{"a":0,"b":2147483647}""", "entry 2 ('b') has id 2147483647")]
    [InlineData("""{"a":0,"b":2147483648}""", "entry 2 ('b') has the value 2147483648, which is not an id")]
    [InlineData("""{"a":0,"b":-1}""", "entry 2 ('b') has the value -1")]
    [InlineData("""{"a":0,"b":1.5}""", "entry 2 ('b') has the value 1.5")]
    [InlineData("""{"a":0,"b":"1"}""", "entry 2 ('b') has the value \"1\"")]
    [InlineData("""{"a":0,"b":1,"a":2}""", "entry 3 repeats the token 'a' (an earlier entry gave it id 0)")]
    [InlineData("""{"a":0,"b":0}""", "entry 2 gives id 0 to 'b', which 'a' already has")]
    [InlineData("""["a"]""", "is not a JSON object")]
    [InlineData("""{"a":0,"b":1""", "is not valid JSON")]
    [InlineData("""{"a":0}{}""", "is not valid JSON")]
    public void HostileVocabularyFilesAreRefusedNamingTheEntryBeforeAllocating(string json, string expected)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<ArgumentException>(() => BpeVocabulary.FromFiles(Utf8(json), Utf8("")));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("vocab.json", error.Message);
        Assert.Contains(expected, error.Message);
        // Before: id 30,000,000 allocated 2.6 GB and loaded; 2^31-1 threw OverflowException; a repeated key was overwritten.
        Assert.True(allocated < 4_000_000, $"{allocated} bytes allocated");
    }

    [Fact]
    public void MergesErrorsNameTheFileAndLine()
    {
        string folder = Directory.CreateTempSubdirectory("arml-bpe-").FullName;
        try
        {
            string vocab = Path.Combine(folder, "vocab.json"), merges = Path.Combine(folder, "merges.txt");
            File.WriteAllText(vocab, ByteVocabularyJson("ab", "abc"));
            foreach (var (text, expected) in new[]
            {
                ("#version: 0.2\na b\nab d\n", "Line 3 of " + merges + " ('ab d') needs the token 'abd'"),
                ("a b\nab c\nx\n", "Line 3 of " + merges + " is not two tokens"),
                ("a b\n\na b\n", "Line 3 of " + merges + " repeats the merge 'a b' of line 1"),
                ("a q\n", "Line 1 of " + merges + " ('a q') needs the token 'aq'"),
            })
            {
                File.WriteAllText(merges, text);
                var error = Assert.Throws<ArgumentException>(() => BpeVocabulary.FromFiles(vocab, merges));
                Assert.Contains(expected, error.Message);
            }
            File.WriteAllText(merges, "a b\nab c\n");
            Assert.Equal([257], BpeVocabulary.FromFiles(vocab, merges).Encode("abc"));
            File.WriteAllText(vocab, """{"a":0,"a":1}""");
            Assert.Contains(vocab + " entry 2 repeats", Assert.Throws<ArgumentException>(() => BpeVocabulary.FromFiles(vocab, merges)).Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
