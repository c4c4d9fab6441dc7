using System.Diagnostics;
using ArML.Synthetic;
using ArML.Tests.Support;
using ArML.Transforms.Text;
using Xunit;

namespace ArML.Tests.Transforms;

/// <summary>
/// Long pre-tokens (a 400,000-letter "word", a base64 blob) are merged by ArML's O(n log n) merger, which must give
/// exactly the ids of Microsoft.ML.Tokenizers' BPE, whose own merge is quadratic in the pre-token's length.
/// </summary>
public class LongPreTokenTests
{
    private static readonly Lazy<BpeVocabulary> Trained = new(() => (BpeVocabulary)TokenizeHelpers.Ml.Transforms.Text
        .TrainTokenizer("Tokens", "Text", new TokenizerTrainerOptions { VocabularySize = 700 })
        .Fit(TokenizeHelpers.Texts(Rows(600, seed: 3))).Vocabulary);

    private static List<string> Rows(int count, int seed) => MarkovTextSource.CreateDefault(seed: 5).Sample(count, seed).ToList();

    /// <summary>The same vocabulary with every pre-token sent to ArML's merger.</summary>
    private static BpeVocabulary AllThroughMerger(BpeVocabulary vocabulary, bool byteLevel = true, string? unknown = null)
    {
        var copy = BpeVocabulary.FromFiles(new MemoryStream(vocabulary.GetVocabJson()), new MemoryStream(vocabulary.GetMergesText()), byteLevel, unknown);
        copy.LongPreTokenLength = 0;
        return copy;
    }

    private static void AssertSameIds(BpeVocabulary library, BpeVocabulary merger, IEnumerable<string> lines)
    {
        int checkedLines = 0;
        foreach (string line in lines)
        {
            var expected = library.BpeTokenizer.EncodeToIds(line, considerPreTokenization: true, considerNormalization: false);
            Assert.True(expected.SequenceEqual(merger.Encode(line)), $"line {checkedLines}: {line}");
            checkedLines++;
        }
        Assert.True(checkedLines > 0);
    }

    [Fact]
    public void TheMergerGivesTheLibrarysIdsOnGeneratedAndUnicodeText()
    {
        var merger = AllThroughMerger(Trained.Value);
        var corpus = TokenizerFixtures.Corpus;
        AssertSameIds(Trained.Value, merger, Rows(500, seed: 9).Concat(corpus.Lines).Concat(corpus.UnpairedLines));
        // Words far longer than the training data's: long runs, repeats and mixtures stress the merge order.
        var random = new Random(4);
        var longWords = Enumerable.Range(0, 40).Select(i => new string(Enumerable.Range(0, 300 + 37 * i)
            .Select(_ => "aaaabtheqzé中"[random.Next(i % 2 == 0 ? 4 : 12)]).ToArray()));
        AssertSameIds(Trained.Value, merger, longWords.Append(string.Concat(Rows(200, seed: 10))));
    }

    [SkippableFact]
    public void TheMergerGivesTheLibrarysIdsOnTinyShakespeare()
    {
        var lines = File.ReadLines(SharedData.PathOrSkip("data/tinyshakespeare.txt")).ToList();
        var trained = (BpeVocabulary)TokenizeHelpers.Ml.Transforms.Text
            .TrainTokenizer("Tokens", "Text", new TokenizerTrainerOptions { VocabularySize = 2000 })
            .Fit(TokenizeHelpers.Texts(lines.Take(8000))).Vocabulary;
        AssertSameIds(trained, AllThroughMerger(trained), lines.Skip(8000).Take(8000));
    }

    [Fact]
    public void TheMergerGivesTheLibrarysIdsWithAnUnknownToken()
    {
        var vocabulary = BpeVocabulary.FromFiles(new MemoryStream("""{"<unk>":0,"a":1,"b":2,"ab":3,"<unk>a":4,"abab":5}"""u8.ToArray()),
            new MemoryStream("a b\n<unk> a\nab ab\n"u8.ToArray()), byteLevel: false, unknownToken: "<unk>");
        var merger = BpeVocabulary.FromFiles(new MemoryStream(vocabulary.GetVocabJson()), new MemoryStream(vocabulary.GetMergesText()), false, "<unk>");
        merger.LongPreTokenLength = 0;
        AssertSameIds(vocabulary, merger, ["abab xab ab", "xxaab\U0001F600ab", "ababababa x  b", new string('a', 500) + "bxab"]);
    }

    [Fact]
    public void A400000LetterWordEncodesInNearLinearTime()
    {
        var vocabulary = Trained.Value;
        var random = new Random(1);
        string word = new(Enumerable.Range(0, 400_000).Select(_ => (char)('a' + random.Next(26))).ToArray());
        var clock = Stopwatch.StartNew();
        var ids = vocabulary.Encode(word);
        clock.Stop();
        // Before: 13 s inside Microsoft.ML.Tokenizers (quadratic). Now well under a second alone; the bound leaves room for a loaded machine.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"{clock.Elapsed.TotalSeconds:F2} s");
        Assert.Equal(word, vocabulary.Decode(ids.ToArray()));
        // The word's ids are the library's ids of its pieces: checked on a prefix small enough for the library.
        string prefix = word[..6000];
        Assert.Equal(vocabulary.BpeTokenizer.EncodeToIds(prefix), vocabulary.Encode(prefix));
    }
}
