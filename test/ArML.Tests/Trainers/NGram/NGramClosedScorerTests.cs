using ArML.Trainers.NGram;
using Microsoft.ML;
using Xunit;
using static ArML.Tests.Trainers.NGram.NGramFixtures;

namespace ArML.Tests.Trainers.NGram;

/// <summary>
/// The suffix-closure test and the fast scorer it enables, against a plain reference: the model's n-grams enumerated
/// into a dictionary keyed by their words, and p(w | context) by the backoff definition summed term by term in float.
/// </summary>
public class NGramClosedScorerTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Theory]
    [InlineData(3)]
    [InlineData(6)]
    public void TrainedModelsAreClosedAndScoreExactlyAsTheBackoffDefinition(int order)
    {
        var rows = MarkovRows(60, seed: 3);
        var model = Train(_ml, rows, new NGramTrainer.Options { Order = order }).LastTransformer.Model;
        var ngrams = Enumerate(model);
        Assert.True(IsClosed(ngrams));
        Assert.True(model.SuffixClosed);

        // Held-out rows, so that backing off (and unseen contexts) happens often; one row with a word never seen in a context.
        AssertScoresByDefinition(model, ngrams, MarkovRows(20, seed: 99).Select(r => Ids(model, Words(r))).Append([NGramLanguageModel.UnknownWordId, 3, 3]));
    }

    [Fact]
    public void PrunedModelsStayClosed()
    {
        // Thresholds may not fall with the order, so a kept n-gram's suffix (at least as frequent) is kept too.
        var model = Train(_ml, MarkovRows(40, seed: 5), new NGramTrainer.Options { Order = 4, PruneThresholds = [0, 1, 2] }).LastTransformer.Model;
        var ngrams = Enumerate(model);
        Assert.True(IsClosed(ngrams));
        Assert.True(model.SuffixClosed);
        AssertScoresByDefinition(model, ngrams, MarkovRows(10, seed: 7).Select(r => Ids(model, Words(r))));
    }

    [Fact]
    public void AFileWithAMissingSuffixIsNotClosed()
    {
        // "b a </s>" is stored but "a </s>" is not.
        const string arpa = "\\data\\\nngram 1=4\nngram 2=2\nngram 3=1\n\\1-grams:\n-99 <s> -0.3\n-0.5 a -0.2\n-0.6 b -0.1\n-0.4 </s>\n\n" +
                            "\\2-grams:\n-0.25 <s> a\n-0.35 b a -0.1\n\n\\3-grams:\n-0.1 b a </s>\n\n\\end\\\n";
        var model = ArpaReader.Read(new StringReader(arpa));
        Assert.False(IsClosed(Enumerate(model)));
        Assert.False(model.SuffixClosed);
        int a = Id(model, "a"), b = Id(model, "b");
        AssertScoresByDefinition(model, Enumerate(model), [[b, a], [a, b], [b, a, b, a], [a, a]]);
    }

    private static void AssertScoresByDefinition(NGramLanguageModel model, Dictionary<string, Entry> ngrams, IEnumerable<int[]> sentences)
    {
        int contexts = model.Order - 1;
        var state = new int[contexts];
        foreach (var sentence in sentences)
        {
            double expected = 0;
            var history = new List<int> { NGramLanguageModel.SentenceStartId };
            foreach (int w in sentence.Append(NGramLanguageModel.SentenceEndId))
            {
                expected += ReferenceLog10(ngrams, history.TakeLast(contexts).ToArray(), w);
                history.Add(w);
            }
            Assert.Equal(expected, model.Log10Sentence(sentence, state));
        }
    }

    private sealed record Entry(float Log10Probability, float Backoff);

    /// <summary>Every stored n-gram by its words (space-separated ids), found by walking the levels' child ranges.</summary>
    private static Dictionary<string, Entry> Enumerate(NGramLanguageModel model)
    {
        var result = new Dictionary<string, Entry>(StringComparer.Ordinal);
        void Visit(int order, int node, string key)
        {
            var level = model.Level(order);
            result[key] = new Entry(level.LogProbs[node], level.Backoffs?[node] ?? 0);
            if (order == model.Order) return;
            for (int child = level.Children![node]; child < level.Children[node + 1]; child++)
                Visit(order + 1, child, key + " " + model.Level(order + 1).Words![child]);
        }
        for (int w = 0; w < model.VocabularySize; w++) Visit(1, w, w.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return result;
    }

    private static bool IsClosed(Dictionary<string, Entry> ngrams) =>
        ngrams.Keys.Where(k => k.Contains(' ')).All(k => ngrams.ContainsKey(k[(k.IndexOf(' ') + 1)..]));

    /// <summary>log10 p(w | context): the longest stored (suffix of context, w), plus the backoffs of the longer stored contexts, shortest first.</summary>
    private static float ReferenceLog10(Dictionary<string, Entry> ngrams, int[] context, int word)
    {
        string Key(int length) => string.Join(' ', context[^length..].Append(word));
        int longest = 0;
        for (int m = 1; m <= context.Length; m++)
            if (ngrams.ContainsKey(Key(m))) longest = m;
        float log10 = ngrams[Key(longest)].Log10Probability;
        for (int m = longest + 1; m <= context.Length; m++)
            if (ngrams.TryGetValue(string.Join(' ', context[^m..]), out var c)) log10 += c.Backoff;
        return log10;
    }
}
