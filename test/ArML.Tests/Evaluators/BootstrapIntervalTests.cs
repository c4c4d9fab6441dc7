using ArML.Evaluators;
using ArML.Synthetic;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Evaluators;

public class BootstrapIntervalTests
{
    private static readonly MarkovTextSource Source = MarkovTextSource.CreateDefault(seed: 1);

    /// <summary>
    /// The source scored by its own exact model at word level: a row of n words predicts n words and its end
    /// (n + 1 tokens). The corpus perplexity converges to exp(E[NLL per row] / E[tokens per row]), known exactly.
    /// </summary>
    private static IDataView TrueModelScores(MLContext ml, int rows, int seed) =>
        ml.Data.LoadFromEnumerable(Source.Sample(rows, seed).Select(text => new ScoredTextRow
        {
            LogLikelihood = Source.LogProbability(text),
            TokenCount = text.Split(' ').Length + 1,
            Text = text,
        }).ToList());

    private static double TruePerplexity => Math.Exp(Source.EntropyPerRow / (Source.ExpectedWordsPerRow + 1));

    [Fact]
    public void TheIntervalCoversTheTruePerplexityAtAboutTheNominalRate()
    {
        // 400 independent evaluation sets of 300 rows, each with its own 95% interval from 400 resamples.
        var ml = new MLContext(seed: 1);
        const int trials = 400;
        int covered = 0, below = 0;
        for (int trial = 0; trial < trials; trial++)
        {
            var metrics = ml.LanguageModeling().Evaluate(TrueModelScores(ml, 300, seed: 1000 + trial),
                new LanguageModelEvaluator.Options { BootstrapResamples = 400, Seed = trial });
            var interval = metrics.PerplexityInterval!.Value;
            Assert.Equal(0.95, interval.Level);
            Assert.True(interval.Contains(metrics.Perplexity), $"trial {trial}: {metrics.Perplexity} outside {interval}");
            if (interval.Contains(TruePerplexity)) covered++;
            else if (interval.Upper < TruePerplexity) below++;
        }
        double coverage = (double)covered / trials;
        // Binomial standard deviation at 95% over 400 trials is 1.1%: these bounds are 2 to 3 of them (the
        // percentile bootstrap runs a little under nominal at 300 rows).
        Assert.InRange(coverage, 0.91, 0.985);
        // Misses fall on both sides (a one-sided bias would show here).
        Assert.InRange(below, 2, trials - covered - 2);
    }

    [Fact]
    public void TheIntervalWidthMatchesTheDeltaMethod()
    {
        // Independent computation: ln perplexity is the ratio Σ NLL / Σ T, whose linearised standard error is
        // sd(NLLᵢ − CE·Tᵢ) / (mean T · √n). A 95% interval of ln perplexity is about ±1.96 of them.
        var ml = new MLContext(seed: 1);
        var data = TrueModelScores(ml, 3000, seed: 5);
        var metrics = ml.LanguageModeling().Evaluate(data, new LanguageModelEvaluator.Options { BootstrapResamples = 2000, Seed = 3 });
        var rows = ml.Data.CreateEnumerable<ScoredTextRow>(data, reuseRowObject: false).ToList();
        double ce = metrics.CrossEntropy, meanTokens = rows.Average(r => r.TokenCount);
        var residuals = rows.Select(r => -r.LogLikelihood - ce * r.TokenCount).ToList();
        double sd = Math.Sqrt(residuals.Sum(d => d * d) / (rows.Count - 1));
        double standardError = sd / (meanTokens * Math.Sqrt(rows.Count));
        var interval = metrics.PerplexityInterval!.Value;
        double width = Math.Log(interval.Upper) - Math.Log(interval.Lower);
        Assert.InRange(width / (2 * 1.959964 * standardError), 0.9, 1.1);
    }

    [Fact]
    public void IdenticalRowsGiveAPointInterval()
    {
        var ml = new MLContext(seed: 1);
        var data = ScoredTable.Of(ml, Enumerable.Repeat((-3.0, 2, "ab"), 50).ToArray());
        var metrics = ml.LanguageModeling().Evaluate(data);
        Assert.Equal(Math.Exp(1.5), metrics.PerplexityInterval!.Value.Lower, 12);
        Assert.Equal(Math.Exp(1.5), metrics.PerplexityInterval!.Value.Upper, 12);
        Assert.Equal(1000, metrics.BootstrapResamples);
    }

    [Fact]
    public void TheIntervalIsSeededAndOptional()
    {
        var data = TrueModelScores(new MLContext(seed: 0), 200, seed: 9);
        LanguageModelMetrics Run(MLContext ml, int? seed, int resamples = 300) =>
            ml.LanguageModeling().Evaluate(data, new LanguageModelEvaluator.Options { Seed = seed, BootstrapResamples = resamples });

        Assert.Equal(Run(new MLContext(), 4).PerplexityInterval, Run(new MLContext(), 4).PerplexityInterval);
        Assert.NotEqual(Run(new MLContext(), 4).PerplexityInterval, Run(new MLContext(), 5).PerplexityInterval);
        // Without an explicit seed, the MLContext's seed decides.
        Assert.Equal(Run(new MLContext(seed: 2), null).PerplexityInterval, Run(new MLContext(seed: 2), null).PerplexityInterval);
        Assert.NotEqual(Run(new MLContext(seed: 2), null).PerplexityInterval, Run(new MLContext(seed: 3), null).PerplexityInterval);
        var none = Run(new MLContext(), 4, resamples: 0);
        Assert.Null(none.PerplexityInterval);
        Assert.Equal(0, none.BootstrapResamples);
    }

    [Fact]
    public void AWiderLevelGivesAWiderInterval()
    {
        var ml = new MLContext(seed: 0);
        var data = TrueModelScores(ml, 200, seed: 9);
        var at90 = ml.LanguageModeling().Evaluate(data, new LanguageModelEvaluator.Options { Seed = 1, ConfidenceLevel = 0.90 }).PerplexityInterval!.Value;
        var at99 = ml.LanguageModeling().Evaluate(data, new LanguageModelEvaluator.Options { Seed = 1, ConfidenceLevel = 0.99 }).PerplexityInterval!.Value;
        Assert.True(at99.Lower < at90.Lower && at99.Upper > at90.Upper, $"{at90} vs {at99}");
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.LanguageModeling().Evaluate(data, new LanguageModelEvaluator.Options { ConfidenceLevel = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.LanguageModeling().Evaluate(data, new LanguageModelEvaluator.Options { BootstrapResamples = -1 }));
    }

    [Fact]
    public void PercentilesOfOverflowedPerplexitiesStayOrdered()
    {
        // A per-token loss beyond ~709 nats overflows exp to infinity; interpolating between two infinities must not give NaN.
        var interval = PerplexityBootstrap.PercentileInterval([1.0, 2.0, double.PositiveInfinity, double.PositiveInfinity], 0.5);
        Assert.Equal(1.75, interval.Lower, 12);
        Assert.Equal(double.PositiveInfinity, interval.Upper);
    }
}
