using System.Text;
using ArML.Transforms.Text;
using Xunit;
using static ArML.Tests.Transforms.TokenizeHelpers;

namespace ArML.Tests.Transforms;

public class BpeFileVocabularyTests
{
    private static MemoryStream Utf8(string text) => new(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void AClosedVocabularyFromHuggingFaceFilesUsesItsUnknownToken()
    {
        var vocabulary = BpeVocabulary.FromFiles(
            Utf8("""{"<unk>":0,"a":1,"b":2,"c":3,"ab":4,"abc":5}"""), Utf8("#version: 0.2\na b\nab c\n"),
            byteLevel: false, unknownToken: "<unk>");
        Assert.Equal(6, vocabulary.VocabularySize);
        Assert.Equal(0, vocabulary.UnknownId);
        Assert.Equal([5, 4, 1, 0], Tokenize(vocabulary, ["abc ab a d"])[0]);

        var error = Assert.Throws<InvalidOperationException>(() =>
            Tokenize(vocabulary, ["abc", "abd"], new TokenizeOptions { UnknownTokens = UnknownTokenPolicy.Error }));
        Assert.Contains("Row 1 of column 'Text'", error.Message);
    }

    [Fact]
    public void MalformedFilesAreRejectedWithTheReason()
    {
        var merges = Assert.Throws<ArgumentException>(() => BpeVocabulary.FromFiles(Utf8("""{"a":0,"b":1}"""), Utf8("a b c\n")));
        Assert.Contains("Line 1 of merges.txt", merges.Message);
        var ids = Assert.Throws<ArgumentException>(() => BpeVocabulary.FromFiles(Utf8("""{"a":0,"b":0}"""), Utf8("")));
        Assert.Contains("id 0", ids.Message);
        var special = Assert.Throws<ArgumentException>(() => BpeVocabulary.FromFiles(BpeFileValidationTests.ByteVocabulary(), Utf8(""), specialTokens: ["<s>"]));
        Assert.Contains("'<s>' is not in vocab.json", special.Message);
    }
}
