using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Evaluators;

public class LanguageModelEvaluatorTests
{
    private sealed class Scored
    {
        public double LogLikelihood { get; set; }
        public int TokenCount { get; set; }
    }

    private sealed class Renamed
    {
        public double LL { get; set; }
        public float TokenCount { get; set; }
    }

    private static readonly MLContext Ml = new(seed: 0);

    private static IDataView Table(params (double ll, int n)[] rows) =>
        Ml.Data.LoadFromEnumerable(rows.Select(r => new Scored { LogLikelihood = r.ll, TokenCount = r.n }));

    [Fact]
    public void MetricsMatchAHandComputation()
    {
        // Two rows: P = 1/8 over 3 tokens and P = 1/4 over 2 tokens. NLL = ln 8 + ln 4 = 5 ln 2 over 5 tokens,
        // so cross-entropy is ln 2 nats (1 bit) per token and perplexity exactly 2.
        var metrics = Ml.LanguageModeling().Evaluate(Table((-Math.Log(8), 3), (-Math.Log(4), 2)));
        Assert.Equal(5 * Math.Log(2), metrics.NegativeLogLikelihood, 12);
        Assert.Equal(Math.Log(2), metrics.CrossEntropy, 12);
        Assert.Equal(2.0, metrics.Perplexity, 12);
        Assert.Equal(1.0, metrics.BitsPerToken, 12);
        Assert.Equal(5, metrics.TokenCount);
        Assert.Equal(2, metrics.RowCount);
        Assert.Equal(2.5 * Math.Log(2), metrics.NegativeLogLikelihoodPerRow, 12);
    }

    [Fact]
    public void PerplexityIsTokenWeightedNotRowAveraged()
    {
        // Row perplexities are e^1 (1 token) and e^3 (3 tokens); the corpus value is exp((1 + 9) / 4), not their mean.
        var metrics = Ml.LanguageModeling().Evaluate(Table((-1, 1), (-9, 3)));
        Assert.Equal(Math.Exp(10.0 / 4), metrics.Perplexity, 1e-9);
    }

    [Fact]
    public void RowsWithoutTokensAreCountedAndSkipped()
    {
        var metrics = Ml.LanguageModeling().Evaluate(Table((-2, 2), (0, 0), (double.NaN, 0)));
        Assert.Equal(1, metrics.RowCount);
        Assert.Equal(2, metrics.EmptyRowCount);
        Assert.Equal(1.0, metrics.CrossEntropy, 12);
    }

    [Fact]
    public void NonFiniteLogLikelihoodFailsWithTheRowIndex()
    {
        var error = Assert.Throws<InvalidDataException>(() => Ml.LanguageModeling().Evaluate(Table((-1, 1), (-1, 1), (double.NegativeInfinity, 2))));
        Assert.Contains("Row 2", error.Message);
    }

    [Fact]
    public void NothingToEvaluateIsAnError()
    {
        Assert.Throws<InvalidOperationException>(() => Ml.LanguageModeling().Evaluate(Table((0, 0))));
    }

    [Fact]
    public void ColumnsAreCheckedByNameAndType()
    {
        var data = Ml.Data.LoadFromEnumerable([new Renamed { LL = -1, TokenCount = 1 }]);
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => Ml.LanguageModeling().Evaluate(data));
        Assert.Contains("'LogLikelihood'", missing.Message);
        var wrongType = Assert.Throws<ArgumentOutOfRangeException>(() => Ml.LanguageModeling().Evaluate(data, logLikelihoodColumnName: "LL"));
        Assert.Contains("'TokenCount'", wrongType.Message);
        Assert.Contains("Int32", wrongType.Message);
    }

    [Fact]
    public void TheContextFreeEvaluateGivesTheSameMetricsWithoutAnInterval()
    {
        var data = Table((-Math.Log(8), 3), (-Math.Log(4), 2), (-1.5, 1));
        var withContext = Ml.LanguageModeling().Evaluate(data);
        var without = ArML.Evaluators.LanguageModelEvaluator.Evaluate(data);
        Assert.Equal(withContext.NegativeLogLikelihood, without.NegativeLogLikelihood);
        Assert.Equal(withContext.TokenCount, without.TokenCount);
        Assert.NotNull(withContext.PerplexityInterval);
        Assert.Null(without.PerplexityInterval);
    }
}
