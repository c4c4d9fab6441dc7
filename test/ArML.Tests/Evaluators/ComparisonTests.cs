using ArML.Evaluators;
using ArML.Synthetic;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Evaluators;

public class ComparisonTests
{
    private static readonly MLContext Ml = new(seed: 0);
    private static readonly MarkovTextSource Source = MarkovTextSource.CreateDefault(seed: 1);
    private static readonly string[] Rows = Source.Sample(400, seed: 21).ToArray();

    /// <summary>The source's exact model, or a worse one that gives every word and end <paramref name="penalty"/> nats more.</summary>
    private static IDataView Scores(double penalty, int noiseSeed = 0, double noise = 0)
    {
        var random = new Random(noiseSeed);
        return Ml.Data.LoadFromEnumerable(Rows.Select(text =>
        {
            int tokens = text.Split(' ').Length + 1;
            return new ScoredTextRow
            {
                LogLikelihood = Source.LogProbability(text) - penalty * tokens + noise * (random.NextDouble() - 0.5),
                TokenCount = tokens,
                Text = text,
            };
        }).ToList());
    }

    private static LanguageModelEvaluator.Options Seeded(string? text = null) => new() { Seed = 11, TextColumnName = text };

    [Fact]
    public void APlantedDifferenceIsDetected()
    {
        // B pays 0.03 nats more per token (about 3% in perplexity): small next to the spread between rows, so the
        // two separate intervals overlap, but the paired difference is clear.
        var comparison = Ml.LanguageModeling().Compare(Scores(0), Scores(0.03, noiseSeed: 1, noise: 0.5), Seeded());
        Assert.True(comparison.A.PerplexityInterval!.Value.Upper > comparison.B.PerplexityInterval!.Value.Lower, "separate intervals overlap");
        Assert.True(comparison.IsSignificant, comparison.ToString());
        Assert.True(comparison.DifferenceInterval!.Value.Upper < 0, comparison.ToString());
        Assert.True(comparison.FractionABetter > 0.99, comparison.ToString());
        Assert.True(comparison.TokenCountsMatch);
        Assert.Equal(Rows.Length, comparison.RowCount);

        // The point difference is the difference of the two separate evaluations.
        var a = Ml.LanguageModeling().Evaluate(Scores(0));
        var b = Ml.LanguageModeling().Evaluate(Scores(0.03, noiseSeed: 1, noise: 0.5));
        Assert.Equal(a.Perplexity - b.Perplexity, comparison.PerplexityDifference, 10);
        Assert.True(comparison.DifferenceInterval.Value.Contains(comparison.PerplexityDifference));
    }

    [Fact]
    public void IdenticalInputsShowNoDifference()
    {
        var comparison = Ml.LanguageModeling().Compare(Scores(0), Scores(0), Seeded("Text"));
        Assert.Equal(0, comparison.PerplexityDifference);
        Assert.Equal(0, comparison.DifferenceInterval!.Value.Lower);
        Assert.Equal(0, comparison.DifferenceInterval.Value.Upper);
        Assert.Equal(0, comparison.FractionABetter);
        Assert.False(comparison.IsSignificant);
        Assert.Equal(comparison.A.BitsPerByte, comparison.B.BitsPerByte);
    }

    [Fact]
    public void NoiseWithoutABiasIsNotSignificant()
    {
        // B = A plus zero-mean noise per row: the interval straddles zero.
        var comparison = Ml.LanguageModeling().Compare(Scores(0), Scores(0, noiseSeed: 2, noise: 0.5), Seeded());
        Assert.False(comparison.IsSignificant, comparison.ToString());
        Assert.InRange(comparison.FractionABetter!.Value, 0.025, 0.975);
    }

    [Fact]
    public void MisalignedRowsFailClearly()
    {
        var shorter = Ml.Data.TakeRows(Scores(0), 399);
        var countError = Assert.Throws<InvalidDataException>(() => Ml.LanguageModeling().Compare(Scores(0), shorter, Seeded()));
        Assert.Contains("399", countError.Message);

        // A data view whose row count is unknown up front is caught while reading.
        var filtered = Ml.Data.FilterRowsByColumn(Scores(0), "LogLikelihood", lowerBound: -1e9, upperBound: 1e9);
        Assert.Null(filtered.GetRowCount());
        var lateError = Assert.Throws<InvalidDataException>(() => Ml.LanguageModeling().Compare(filtered, shorter, Seeded()));
        Assert.Contains("ends after 399 rows", lateError.Message);

        var reversed = Ml.Data.LoadFromEnumerable(Ml.Data.CreateEnumerable<ScoredTextRow>(Scores(0), false).Reverse().ToList());
        var textError = Assert.Throws<InvalidDataException>(() => Ml.LanguageModeling().Compare(Scores(0), reversed, Seeded("Text")));
        Assert.Contains("Row 0", textError.Message);
        Assert.Contains("'Text'", textError.Message);
    }

    [Fact]
    public void ARowWithTokensOnOneSideOnlyFails()
    {
        var a = ScoredTable.Of(Ml, (-1, 1, "a"), (-2, 2, "bb"));
        var b = ScoredTable.Of(Ml, (-1, 1, "a"), (0, 0, "bb"));
        var error = Assert.Throws<InvalidDataException>(() => Ml.LanguageModeling().Compare(a, b, Seeded()));
        Assert.Contains("Row 1", error.Message);
    }

    [Fact]
    public void DifferentTokenizationsAreReported()
    {
        var a = ScoredTable.Of(Ml, (-1, 1, "a"), (-2, 2, "bb"));
        var b = ScoredTable.Of(Ml, (-1, 1, "a"), (-2, 1, "bb"));
        Assert.False(Ml.LanguageModeling().Compare(a, b, Seeded()).TokenCountsMatch);
    }

    /// <summary>
    /// A scores the source exactly with word tokens; B is worse on every row (0.1 nats more per byte) but splits rows
    /// into characters, so its per-token perplexity looks far better.
    /// </summary>
    private static (IDataView A, IDataView B) DifferentTokenizers()
    {
        var a = Ml.Data.LoadFromEnumerable(Rows.Select(t => new ScoredTextRow
        {
            LogLikelihood = Source.LogProbability(t), TokenCount = t.Split(' ').Length + 1, Text = t,
        }).ToList());
        var b = Ml.Data.LoadFromEnumerable(Rows.Select(t => new ScoredTextRow
        {
            LogLikelihood = Source.LogProbability(t) - 0.1 * t.Length, TokenCount = t.Length + 1, Text = t,
        }).ToList());
        return (a, b);
    }

    [Fact]
    public void DifferentTokenizersAreComparedPerByteWithText()
    {
        var (a, b) = DifferentTokenizers();
        var comparison = Ml.LanguageModeling().Compare(a, b, Seeded("Text"));
        Assert.True(comparison.A.Perplexity > comparison.B.Perplexity, "per token, B looks better");
        Assert.False(comparison.TokenCountsMatch);
        Assert.Equal(1.0, comparison.FractionABetter);
        Assert.True(comparison.IsSignificant, comparison.ToString());
        Assert.Equal(ComparisonUnit.Byte, comparison.Unit);
        // Independent: bits per byte of each model from the rows.
        double bytes = Rows.Sum(t => System.Text.Encoding.UTF8.GetByteCount(t));
        double nllA = -Rows.Sum(t => Source.LogProbability(t));
        double nllB = nllA + 0.1 * Rows.Sum(t => t.Length);
        Assert.Equal(nllA / bytes / Math.Log(2), comparison.ValueA, 10);
        Assert.Equal(nllB / bytes / Math.Log(2), comparison.ValueB, 10);
        Assert.Equal(comparison.ValueA - comparison.ValueB, comparison.Difference, 12);
        Assert.Equal(comparison.A.BitsPerByte!.Value, comparison.ValueA, 12);
        Assert.True(comparison.DifferenceInterval!.Value.Contains(comparison.Difference));
        Assert.True(comparison.DifferenceInterval.Value.Upper < 0, comparison.ToString());
        Assert.Contains("per byte", comparison.ToString());
        Assert.Contains("token counts differ", comparison.ToString());
    }

    [Fact]
    public void DifferentTokenizersWithoutTextAreComparedPerRow()
    {
        var (a, b) = DifferentTokenizers();
        var comparison = Ml.LanguageModeling().Compare(a, b, Seeded());
        Assert.Equal(ComparisonUnit.Row, comparison.Unit);
        Assert.Equal(1.0, comparison.FractionABetter);
        Assert.Equal(-Rows.Average(t => Source.LogProbability(t)), comparison.ValueA, 10);
        Assert.Equal(-0.1 * Rows.Average(t => t.Length), comparison.Difference, 10);
        Assert.Equal(comparison.A.NegativeLogLikelihoodPerRow, comparison.ValueA, 12);
        Assert.True(comparison.DifferenceInterval!.Value.Upper < 0, comparison.ToString());
        Assert.Contains("per row", comparison.ToString());
    }

    [Fact]
    public void TheUnitCanBeChosenAndPerTokenNeedsTheSameTokenization()
    {
        var (a, b) = DifferentTokenizers();
        var perToken = Seeded("Text");
        perToken.ComparisonUnit = ComparisonUnit.Token;
        var e = Assert.Throws<InvalidDataException>(() => Ml.LanguageModeling().Compare(a, b, perToken));
        Assert.Contains("Row 0", e.Message);
        Assert.Contains("ComparisonUnit", e.Message);

        var perByte = Seeded();
        perByte.ComparisonUnit = ComparisonUnit.Byte;
        Assert.Throws<ArgumentException>(() => Ml.LanguageModeling().Compare(a, b, perByte));

        var same = Ml.LanguageModeling().Compare(Scores(0), Scores(0.03, noiseSeed: 1, noise: 0.5), Seeded("Text"));
        Assert.Equal(ComparisonUnit.Token, same.Unit);
        Assert.Equal(same.PerplexityDifference, same.Difference);
        Assert.Contains("per token", same.ToString());
        var perRow = Seeded("Text");
        perRow.ComparisonUnit = ComparisonUnit.Row;
        var rows = Ml.LanguageModeling().Compare(Scores(0), Scores(0.03, noiseSeed: 1, noise: 0.5), perRow);
        Assert.Equal(ComparisonUnit.Row, rows.Unit);
        Assert.Equal(rows.A.NegativeLogLikelihoodPerRow - rows.B.NegativeLogLikelihoodPerRow, rows.Difference, 10);
        Assert.True(rows.FractionABetter > 0.99, rows.ToString());
    }
}
