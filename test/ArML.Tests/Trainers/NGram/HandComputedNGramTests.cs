using ArML.Trainers.NGram;
using Microsoft.ML;
using Xunit;
using static ArML.Tests.Trainers.NGram.NGramFixtures;

namespace ArML.Tests.Trainers.NGram;

/// <summary>
/// Bigram models of the toy corpus "aab", "ab", "b", worked out by hand. Padded sentences: &lt;s&gt; a a b &lt;/s&gt;,
/// &lt;s&gt; a b &lt;/s&gt;, &lt;s&gt; b &lt;/s&gt;. Bigram counts: &lt;s&gt;a 2, aa 1, ab 2, b&lt;/s&gt; 3, &lt;s&gt;b 1.
/// Continuation counts of the unigrams (distinct left neighbours): a 2 ({&lt;s&gt;, a}), b 2 ({a, &lt;s&gt;}), &lt;/s&gt; 1 ({b});
/// &lt;s&gt; and &lt;unk&gt; 0. Predictable vocabulary: &lt;unk&gt;, &lt;/s&gt;, a, b (4 words).
/// </summary>
public class HandComputedNGramTests
{
    private readonly MLContext _ml = new(seed: 1);

    private NGramLanguageModel ToyModel(NGramSmoothing smoothing, long[]? prune = null, double k = 1) =>
        Train(_ml, Toy, new NGramTrainer.Options { Order = 2, Smoothing = smoothing, PruneThresholds = prune, AdditiveConstant = k }).LastTransformer.Model;

    private static double P(NGramLanguageModel m, string context, string word) =>
        Math.Pow(10, m.Log10Probability(context.Length == 0 ? [] : [Id(m, context)], Id(m, word)));

    [Fact]
    public void ModifiedKneserNey()
    {
        var m = ToyModel(NGramSmoothing.ModifiedKneserNey);
        // Unigram counts-of-counts n1 = 1, n2 = 2, n3 = 0: no estimate, so lmplz's fallback D = 0.5, 1, 1.5.
        // Σa = 5; γ(∅) = (0.5·1 + 1·2) / 5 = 0.5; each word also gets γ/4 = 0.125 of the uniform distribution.
        double pa = (2 - 1.0) / 5 + 0.125, pb = pa, pEnd = (1 - 0.5) / 5 + 0.125, pUnk = 0.125;
        AssertClose(pa, P(m, "", "a"));
        AssertClose(pb, P(m, "", "b"));
        AssertClose(pEnd, P(m, "", "</s>"));
        AssertClose(pUnk, P(m, "", "<unk>"));

        // Bigram counts-of-counts n1 = 2, n2 = 2, n3 = 1, n4 = 0: Y = 2 / (2 + 2·2) = 1/3,
        // D1 = 1 − 2·Y·2/2 = 1/3, D2 = 2 − 3·Y·1/2 = 3/2, D3+ = 3 − 4·Y·0/1 = 3.
        double d1 = 1.0 / 3, d2 = 1.5, d3 = 3;
        double gammaBos = (d2 + d1) / 3;                // <s>: a (count 2), b (count 1); Σ = 3
        AssertClose((2 - d2) / 3 + gammaBos * pa, P(m, "<s>", "a"));
        AssertClose((1 - d1) / 3 + gammaBos * pb, P(m, "<s>", "b"));
        AssertClose(gammaBos * pEnd, P(m, "<s>", "</s>"));
        double gammaA = (d1 + d2) / 3;                  // a: a (1), b (2)
        AssertClose((1 - d1) / 3 + gammaA * pa, P(m, "a", "a"));
        AssertClose((2 - d2) / 3 + gammaA * pb, P(m, "a", "b"));
        double gammaB = d3 / 3;                         // b: </s> (3), discounted to nothing by D3+ = 3
        AssertClose((3 - d3) / 3 + gammaB * pEnd, P(m, "b", "</s>"));
        AssertClose(gammaB * pa, P(m, "b", "a"));
        AssertClose(pa, P(m, "</s>", "a"));            // </s> is no context: back off with weight 1

        // A sentence is the product of its predictions, </s> included: "ab" = p(a|<s>)·p(b|a)·p(</s>|b).
        var (ll, count) = m.ScoreSentence(Ids(m, ["a", "b"]));
        Assert.Equal(3, count);
        AssertClose(Math.Log((2 - d2) / 3 + gammaBos * pa) + Math.Log((2 - d2) / 3 + gammaA * pb) + Math.Log((3 - d3) / 3 + gammaB * pEnd), ll);
    }

    [Fact]
    public void KneserNeyHasOneDiscountPerOrder()
    {
        var m = ToyModel(NGramSmoothing.KneserNey);
        // Unigrams: D = n1 / (n1 + 2 n2) = 1 / (1 + 4) = 0.2; three words with a positive count: γ(∅) = 0.2·3 / 5 = 0.12.
        double pa = (2 - 0.2) / 5 + 0.12 / 4, pEnd = (1 - 0.2) / 5 + 0.12 / 4;
        AssertClose(pa, P(m, "", "a"));
        AssertClose(pEnd, P(m, "", "</s>"));
        AssertClose(0.12 / 4, P(m, "", "<unk>"));
        // Bigrams: D = 2 / (2 + 4) = 1/3; <s> has two continuations: γ = (1/3)·2 / 3.
        double d = 1.0 / 3, gamma = d * 2 / 3;
        AssertClose((2 - d) / 3 + gamma * pa, P(m, "<s>", "a"));
        AssertClose(gamma * pEnd, P(m, "<s>", "</s>"));
    }

    [Fact]
    public void AddKIsLidstoneOverTheVocabulary()
    {
        var m = ToyModel(NGramSmoothing.AddK, k: 1);
        // Raw unigram counts a 3, b 3, </s> 3, <unk> 0; N = 9 predictions, V = 4: p = (c + 1) / 13.
        AssertClose(4.0 / 13, P(m, "", "a"));
        AssertClose(4.0 / 13, P(m, "", "</s>"));
        AssertClose(1.0 / 13, P(m, "", "<unk>"));
        // After <s>: c(<s> a) = 2, c(<s> b) = 1, so p(w | <s>) = (c + 4·p(w)) / (3 + 4).
        AssertClose((2 + 4 * 4.0 / 13) / 7, P(m, "<s>", "a"));
        AssertClose((0 + 4 * 4.0 / 13) / 7, P(m, "<s>", "</s>"));
        AssertClose((0 + 4 * 1.0 / 13) / 7, P(m, "<s>", "<unk>"));
    }

    [Fact]
    public void PruningDropsRareNGramsAndMovesTheirMassToTheBackoff()
    {
        var m = ToyModel(NGramSmoothing.ModifiedKneserNey, prune: [0, 1]);
        // Bigrams seen once (a a, <s> b) are dropped; the discounts still come from all counts.
        Assert.Equal(3, m.NGramCount(2));
        double pa = (2 - 1.0) / 5 + 0.125, pb = pa, d2 = 1.5, d3 = 3;
        double gammaBos = (d2 + 1) / 3;                 // kept a gives D2, pruned b gives its whole count 1
        AssertClose((2 - d2) / 3 + gammaBos * pa, P(m, "<s>", "a"));
        AssertClose(gammaBos * pb, P(m, "<s>", "b"));
        double gammaA = (1 + d2) / 3;                   // pruned a a (1), kept a b (2)
        AssertClose(gammaA * pa, P(m, "a", "a"));
        AssertClose((3 - d3) / 3 + d3 / 3 * ((1 - 0.5) / 5 + 0.125), P(m, "b", "</s>"));
    }

    [Fact]
    public void DiscountsFollowChenAndGoodman()
    {
        // n1..n4 = 5, 3, 2, 1: Y = 5/11; D1 = 1 − 2·Y·3/5 = 5/11; D2 = 2 − 3·Y·2/3 = 12/11; D3+ = 3 − 4·Y·1/2 = 23/11.
        var d = NGramDiscounts.ModifiedKneserNey([0, 5, 3, 2, 1], fallback: null, order: 2);
        Assert.False(d.FellBack);
        AssertClose(5.0 / 11, d.D1);
        AssertClose(12.0 / 11, d.D2);
        AssertClose(23.0 / 11, d.D3Plus);
        Assert.Equal(0, d.For(0));
        Assert.Equal(d.D3Plus, d.For(7));

        var kn = NGramDiscounts.KneserNey([0, 5, 3, 2, 1], fallback: null, order: 2);
        AssertClose(5.0 / 11, kn.D1);
        Assert.Equal(kn.D1, kn.D3Plus);

        // n1 = 4, n2 = 1: D1 = 1 − 2·(4/6)·1/4 = 2/3 is fine but D2 = 2 − 3·(4/6)·n3/n2 = 2 − 2·5 < 0: out of range.
        var fell = NGramDiscounts.ModifiedKneserNey([0, 4, 1, 5, 1], fallback: [0.4, 0.9], order: 1);
        Assert.True(fell.FellBack);
        Assert.Equal((0.4, 0.9, 0.9), (fell.D1, fell.D2, fell.D3Plus));
        var e = Assert.Throws<InvalidOperationException>(() => NGramDiscounts.ModifiedKneserNey([0, 4, 0, 5, 1], fallback: null, order: 3));
        Assert.Contains("order 3", e.Message);
        Assert.Contains("DiscountFallback", e.Message);
    }

    private static void AssertClose(double expected, double actual) => Assert.Equal(expected, actual, 1e-6);
}
