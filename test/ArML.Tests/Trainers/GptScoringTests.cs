using ArML.Tests.Support;
using ArML.Trainers.Gpt;
using Microsoft.ML;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers;

public class GptScoringTests(TinyGpt fixture) : IClassFixture<TinyGpt>
{
    /// <summary>Log-probability of every target of a framed row, by one forward pass per target over its full left context (at most C tokens).</summary>
    private static double ReferenceLogLikelihood(GptLanguageModel lm, int[] row)
    {
        int sep = lm.SeparatorId;
        var framed = new List<long> { sep };
        framed.AddRange(row.Select(t => (long)t));
        framed.Add(sep);
        double total = 0;
        using var noGrad = no_grad();
        for (int p = 1; p < framed.Count; p++)
        {
            int begin = Math.Max(0, p - lm.ContextLength);
            var context = framed.GetRange(begin, p - begin).ToArray();
            using var scope = NewDisposeScope();
            var logits = lm.Model.call(tensor(context, [1, context.Length]))[0, context.Length - 1].to_type(ScalarType.Float64);
            var values = logits.data<double>().ToArray();
            double max = values.Max();
            double logSum = max + Math.Log(values.Sum(v => Math.Exp(v - max)));
            total += values[(int)framed[p]] - logSum;
        }
        return total;
    }

    // Two float32 paths (other windows, batch shapes) agree within rounding; the longest dot products are the
    // MLP's, 4 × embedding (see Float32Rounding).
    private double Tolerance(int tokens, double logLikelihood) =>
        Float32Rounding.RowScore(tokens, logLikelihood, 4 * fixture.Lm.Model.Config.EmbeddingSize, fixture.Lm.Vocabulary.Size);

    [Fact]
    public void RowScoresEqualAnIndependentComputation()
    {
        // Rows that fit the context (16): scored in one window, every token with its full left context.
        string[] texts = ["the fox", "a dog sees", "", "my cat likes", "zz top", "the red boat"];
        var data = fixture.Ml.Data.LoadFromEnumerable(texts.Select(t => new TextRow { Text = t }));
        var scored = fixture.Model.Transform(data);
        var scores = TinyGpt.Scores(scored);
        var rows = TinyGpt.ModelIds(fixture.Gpt, scored);
        Assert.Equal(texts.Length, scores.Count);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(rows[i].Length + 1, scores[i].TokenCount);
            double expected = ReferenceLogLikelihood(fixture.Lm, rows[i]);
            Assert.Equal(expected, scores[i].LogLikelihood, Tolerance(scores[i].TokenCount, expected));
            Assert.Equal(Math.Exp(-scores[i].LogLikelihood / scores[i].TokenCount), scores[i].Perplexity, 12);
        }
    }

    [Fact]
    public void LongRowsWithStrideOneUseTheFullContextForEveryToken()
    {
        var lm = fixture.Lm;
        var random = new Random(5);
        var row = Enumerable.Range(0, 3 * lm.ContextLength + 5).Select(_ => random.Next(lm.SeparatorId)).ToArray();
        var ll = new double[1];
        var count = new int[1];
        lm.Score([row], [row.Length], stride: 1, ll, count);
        Assert.Equal(row.Length + 1, count[0]);
        double expected = ReferenceLogLikelihood(lm, row);
        Assert.Equal(expected, ll[0], Tolerance(count[0], expected));
    }

    [Fact]
    public void StrideDoesNotMatterWhenTheRowFitsTheContext()
    {
        var lm = fixture.Lm;
        int[] row = [3, 1, 4, 1, 5, 9, 2, 6];
        var a = new double[1];
        var b = new double[1];
        var n = new int[1];
        lm.Score([row], [row.Length], stride: 1, a, n);
        lm.Score([row], [row.Length], stride: lm.ContextLength, b, n);
        Assert.Equal(a[0], b[0], 10);
    }

    [Theory]
    [InlineData(2, 16, 8)]
    [InlineData(17, 16, 8)]
    [InlineData(18, 16, 8)]
    [InlineData(100, 16, 5)]
    [InlineData(100, 16, 16)]
    [InlineData(50, 7, 1)]
    public void WindowsScoreEveryTargetExactlyOnce(int sequenceLength, int context, int stride)
    {
        var windows = new List<ScoringWindow>();
        ScoringWindow.Plan(0, sequenceLength, firstTarget: 1, context, stride, windows);
        var scored = new int[sequenceLength];
        foreach (var w in windows)
        {
            Assert.InRange(w.Length, 1, context);
            for (int j = w.FirstScored; j < w.Length; j++) scored[w.Begin + j + 1]++;
            // after the first window, every scored target sees more than context − stride tokens of left context
            if (w.Begin > 0) Assert.True(w.FirstScored >= context - stride, $"window at {w.Begin} scores from {w.FirstScored}");
        }
        Assert.Equal(0, scored[0]);
        Assert.All(scored.Skip(1), c => Assert.Equal(1, c));
    }

    [Fact]
    public void ScoresDoNotDependOnBatchComposition()
    {
        var rows = TinyGpt.TokenIds(fixture.Tokenizer.Transform(fixture.Valid)).Take(12).ToArray();
        var lm = fixture.Lm;
        var batched = new double[rows.Length];
        var counts = new int[rows.Length];
        lm.Score(rows, rows.Select(r => r.Length).ToArray(), 8, batched, counts);
        for (int i = 0; i < rows.Length; i++)
        {
            var single = new double[1];
            lm.Score([rows[i]], [rows[i].Length], 8, single, new int[1]);
            Assert.Equal(single[0], batched[i], Tolerance(counts[i], single[0]));
        }
    }

    [Fact]
    public void ConcurrentCursorsGetTheSameScores()
    {
        var scored = fixture.Model.Transform(fixture.Valid);
        var expected = TinyGpt.Scores(scored);
        var results = new List<(double, int, double)>[4];
        Parallel.For(0, results.Length, i => results[i] = TinyGpt.Scores(scored));
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void PredictionEngineGivesTheTransformValues()
    {
        TinyGpt.AssertPredictionEngineMatchesTransform(fixture.Ml, fixture.Model, fixture.Valid, Tolerance);
    }

    [Fact]
    public void TheTrainedModelBeatsAUniformGuessByFar()
    {
        var metrics = fixture.Ml.LanguageModeling().Evaluate(fixture.Model.Transform(fixture.Valid));
        double uniform = Math.Log(fixture.Lm.Model.Config.VocabularySize);
        Assert.True(metrics.CrossEntropy < 0.75 * uniform, $"cross-entropy {metrics.CrossEntropy} vs uniform {uniform}");
    }

    [Fact]
    public void GreedyGenerationFollowsTheArgMaxAndIsRepeatable()
    {
        var gpt = fixture.Gpt;
        var a = gpt.GenerateTokens([], maxNewTokens: 10, temperature: 0);
        var b = gpt.GenerateTokens([], maxNewTokens: 10, temperature: 0, seed: 99);
        Assert.Equal(a, b);
        if (a.Length == 0) return;
        using var noGrad = no_grad();
        var logits = fixture.Lm.Model.call(tensor(new long[] { fixture.Lm.SeparatorId }, [1, 1]))[0, 0].data<float>().ToArray();
        Assert.Equal(gpt.KeyMap.ToColumnId(Array.IndexOf(logits, logits.Max())), a[0]);
        Assert.Equal(gpt.Codec!.Decode(a), gpt.Generate("", maxNewTokens: 10, temperature: 0));
    }

    [Fact]
    public void SampledTextIsSeededAndUsesTheVocabulary()
    {
        var gpt = fixture.Gpt;
        string a = gpt.Generate("the ", maxNewTokens: 30, temperature: 1.0, seed: 3);
        Assert.Equal(a, gpt.Generate("the ", maxNewTokens: 30, temperature: 1.0, seed: 3));
        Assert.All(a, c => Assert.Contains(c.ToString(), gpt.Vocabulary!));
        Assert.Throws<ArgumentOutOfRangeException>(() => gpt.Generate("the", temperature: -1));
    }
}
