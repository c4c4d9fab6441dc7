using System.Text;
using ArML.Synthetic;
using ArML.Transforms.Text;
using Xunit;

namespace ArML.Tests.Transforms;

public class BpeTrainerTests
{
    private static BpeVocabulary Train(IEnumerable<string> rows, TokenizerTrainerOptions options) =>
        (BpeVocabulary)TokenizeHelpers.Ml.Transforms.Text.TrainTokenizer("Tokens", "Text", options).Fit(TokenizeHelpers.Texts(rows)).Vocabulary;

    // Markov rows plus stress lines without surrogates: the naive trainer splits with .NET's Regex, which agrees with
    // ArML's code-point-exact split only on text inside the Basic Multilingual Plane.
    private static List<string> Rows(int count, int seed) =>
        MarkovTextSource.CreateDefault(seed: 5).Sample(count, seed)
            .Concat(TokenizerFixtures.Corpus.Lines.Where(l => !l.Any(char.IsSurrogate)).Skip(seed * 10).Take(count / 4)).ToList();

    [Fact]
    public void MergesEqualANaiveTrainerThatRecountsEveryPairEachStep()
    {
        // Runs of one symbol and alternating pairs exercise back-to-back and overlapping occurrences of a merged pair.
        var rows = Rows(400, seed: 11).Concat(["aaaaaaa aaaa", "abababab ababab", "xxxxxxxx", "    x   y"]).ToList();
        var options = new TokenizerTrainerOptions { VocabularySize = 420, SpecialTokens = ["<s>"], MinimumPairFrequency = 2 };
        var trained = Train(rows, options);
        var (tokens, merges) = NaiveBpe.Train(rows, 420, ["<s>"], minimumFrequency: 2);

        Assert.True(merges.Count > 150);
        Assert.Equal(string.Join("\n", merges.Select(m => m.Left + " " + m.Right)),
            string.Join("\n", Encoding.UTF8.GetString(trained.GetMergesText()).Split('\n').Skip(1).Where(l => l.Length > 0)));
        Assert.Equal(tokens, Enumerable.Range(0, trained.VocabularySize).Select(trained.GetToken));
    }

    [Fact]
    public void VocabularySizeIsExactAndCountsSpecialAndByteTokens()
    {
        var rows = Rows(300, seed: 12);
        foreach (int size in new[] { 258, 300, 600 })
        {
            var vocabulary = Train(rows, new TokenizerTrainerOptions { VocabularySize = size, SpecialTokens = ["<|endoftext|>", "<pad>"] });
            Assert.Equal(size, vocabulary.VocabularySize);
            Assert.Equal(size, vocabulary.BpeTokenizer.Vocabulary.Count);
            Assert.Equal(0, vocabulary.SpecialTokens["<|endoftext|>"]);
            Assert.Equal(1, vocabulary.SpecialTokens["<pad>"]);
            // The 256 byte tokens follow the special tokens, so any text can be encoded.
            Assert.Equal(256, Enumerable.Range(2, 256).Select(vocabulary.GetToken).Distinct().Count(t => t.Length == 1));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenizeHelpers.Ml.Transforms.Text.TrainTokenizer("T", "Text",
            new TokenizerTrainerOptions { VocabularySize = 257, SpecialTokens = ["<a>", "<b>"] }));
    }

    [Fact]
    public void TrainingStopsWhenNoPairIsFrequentEnough()
    {
        var progress = new List<TokenizerTrainingProgress>();
        var options = new TokenizerTrainerOptions { VocabularySize = 5000, MinimumPairFrequency = 3, Progress = new SyncProgress<TokenizerTrainingProgress>(progress.Add) };
        var vocabulary = Train(["abab abab", "xyz"], options);
        var (tokens, _) = NaiveBpe.Train(["abab abab", "xyz"], 5000, [], minimumFrequency: 3);
        Assert.Equal(tokens.Count, vocabulary.VocabularySize);
        Assert.True(vocabulary.VocabularySize < 300);
        Assert.Equal("done", progress[^1].Phase);
        Assert.Equal(2, progress[^1].RowsRead);
        Assert.Equal(vocabulary.VocabularySize, progress[^1].VocabularySize);
    }

    [Fact]
    public void TrainingDoesNotDependOnRowOrder()
    {
        var rows = Rows(200, seed: 13);
        var forward = Train(rows, new TokenizerTrainerOptions { VocabularySize = 400 });
        var backward = Train(Enumerable.Reverse(rows), new TokenizerTrainerOptions { VocabularySize = 400 });
        Assert.Equal(forward.GetMergesText(), backward.GetMergesText());
        Assert.Equal(forward.GetVocabJson(), backward.GetVocabJson());
    }

    [Fact]
    public void DecodingRestoresRandomUnicodeExactly()
    {
        var vocabulary = Train(Rows(300, seed: 14), new TokenizerTrainerOptions { VocabularySize = 600 });
        foreach (string text in RandomUnicode.Strings(300, seed: 15))
            Assert.Equal(text, vocabulary.Decode(vocabulary.Encode(text).ToArray()));
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

/// <summary>
/// The textbook BPE trainer, written independently of ArML's: split with the GPT-2 pattern, and at every step
/// recount all adjacent pairs of all words and merge the most frequent (ties: smaller ids). Slow, obviously correct.
/// </summary>
internal static class NaiveBpe
{
    public static (List<string> Tokens, List<(string Left, string Right)> Merges) Train(IEnumerable<string> rows, int size, string[] specials, int minimumFrequency)
    {
        var alphabet = ByteAlphabet();
        var tokens = new List<string>(specials);
        tokens.AddRange(alphabet.Values.OrderBy(c => c).Select(c => c.ToString()));
        var idOf = tokens.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i);
        var counts = new Dictionary<string, int>();
        foreach (string row in rows)
            foreach (System.Text.RegularExpressions.Match m in Gpt2Split.Matches(row))
                counts[m.Value] = counts.GetValueOrDefault(m.Value) + 1;
        var words = counts.Select(p => (Symbols: Encoding.UTF8.GetBytes(p.Key).Select(b => alphabet[b].ToString()).ToList(), Count: p.Value)).ToList();
        var merges = new List<(string, string)>();
        while (tokens.Count < size)
        {
            var pairs = new Dictionary<(string, string), int>();
            foreach (var (symbols, count) in words)
                for (int i = 0; i + 1 < symbols.Count; i++)
                    pairs[(symbols[i], symbols[i + 1])] = pairs.GetValueOrDefault((symbols[i], symbols[i + 1])) + count;
            if (pairs.Count == 0) break;
            var best = pairs.OrderByDescending(p => p.Value).ThenBy(p => idOf[p.Key.Item1]).ThenBy(p => idOf[p.Key.Item2]).First();
            if (best.Value < minimumFrequency) break;
            var (left, right) = best.Key;
            merges.Add((left, right));
            if (idOf.TryAdd(left + right, tokens.Count)) tokens.Add(left + right);
            foreach (var (symbols, _) in words)
                for (int i = 0; i + 1 < symbols.Count; i++)
                    if (symbols[i] == left && symbols[i + 1] == right)
                    {
                        symbols[i] = left + right;
                        symbols.RemoveAt(i + 1);
                    }
        }
        return (tokens, merges);
    }

    private static readonly System.Text.RegularExpressions.Regex Gpt2Split = new(@"'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+");

    private static Dictionary<byte, char> ByteAlphabet()
    {
        var map = new Dictionary<byte, char>();
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
            map[(byte)b] = printable ? (char)b : (char)next++;
        }
        return map;
    }
}
