using ArML.Transforms.Text;
using Microsoft.ML.Tokenizers;
using Xunit;
using Xunit.Abstractions;

namespace ArML.Tests.Transforms;

/// <summary>
/// ArML's pretrained encodings against the npm package tiktoken 1.0.22 (encode_ordinary) on a generated Unicode
/// stress corpus: many scripts, emoji sequences, combining marks, mathematical alphanumerics, unusual whitespace and
/// control characters. The expected ids were produced once by tools/tokenizer-parity/generate-tiktoken.mjs and are
/// committed, so the test needs no node. The bar is zero mismatching lines.
/// </summary>
public class TiktokenParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Encodings => new(TiktokenVocabulary.EncodingNames);

    [Theory]
    [MemberData(nameof(Encodings))]
    public void EveryStressLineHasTiktokensIds(string encoding)
    {
        var vocabulary = TiktokenVocabulary.Get(encoding);
        var expected = TokenizerFixtures.Ids(TokenizerFixtures.TiktokenIds.GetProperty(encoding).GetProperty("lines"));
        var lines = TokenizerFixtures.Corpus.Lines;
        Assert.Equal(lines.Length, expected.Length);
        Assert.True(lines.Length >= 2000);

        var mismatches = Enumerable.Range(0, lines.Length).Where(i => !vocabulary.Encode(lines[i]).SequenceEqual(expected[i])).ToList();
        foreach (int i in mismatches.Take(5))
            output.WriteLine($"line {i}: {Escape(lines[i])}\n  expected {string.Join(",", expected[i])}\n  actual   {string.Join(",", vocabulary.Encode(lines[i]))}");
        Assert.Empty(mismatches);
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void UnpairedSurrogatesEncodeAsTiktokenDoes(string encoding)
    {
        // tiktoken receives JavaScript strings as UTF-8, where an unpaired surrogate becomes U+FFFD: ArML's default
        // UnpairedSurrogatePolicy.Replace does the same, through the transform.
        var expected = TokenizerFixtures.Ids(TokenizerFixtures.TiktokenIds.GetProperty(encoding).GetProperty("unpaired"));
        var lines = TokenizerFixtures.Corpus.UnpairedLines;
        Assert.All(lines, l => Assert.Contains(l, c => char.IsSurrogate(c)));
        var actual = TokenizeHelpers.Tokenize(TiktokenVocabulary.Get(encoding), lines);
        for (int i = 0; i < lines.Length; i++) Assert.True(expected[i].SequenceEqual(actual[i]), $"line {i}: {Escape(lines[i])}");
    }

    [Fact]
    public void MicrosoftsOwnPreTokenizerMissesOnLettersOutsideTheBmp()
    {
        // The defect ArML's pre-tokenizer fixes: the comparison above is not vacuous on this corpus.
        var microsoft = TiktokenTokenizer.CreateForModel("gpt-4");
        var expected = TokenizerFixtures.Ids(TokenizerFixtures.TiktokenIds.GetProperty("cl100k_base").GetProperty("lines"));
        var lines = TokenizerFixtures.Corpus.Lines;
        int misses = Enumerable.Range(0, lines.Length)
            .Count(i => !lines[i].Contains("<|") && !microsoft.EncodeToIds(lines[i], considerNormalization: false).SequenceEqual(expected[i]));
        Assert.True(misses > lines.Length / 100, $"only {misses} lines differ");
        Assert.Equal(["'ll"], TiktokenVocabulary.Get("cl100k_base").Encode("𝐤𝐈'll").Skip(0).Select(id => TiktokenVocabulary.Get("cl100k_base").Decode([id])).TakeLast(1));
    }

    internal static string Escape(string s) => string.Concat(s.Select(c => c < ' ' || char.IsSurrogate(c) || c > '~' ? $"\\u{(int)c:X4}" : c.ToString()));
}
