using Microsoft.ML;
using ArML.Data;

namespace ArML.Evaluators;

/// <summary>
/// Computes <see cref="LanguageModelMetrics"/> and <see cref="LanguageModelComparison"/> from scored data views.
/// Use it through <c>mlContext.LanguageModeling().Evaluate(...)</c> and <c>.Compare(...)</c>.
/// </summary>
/// <remarks>
/// | Column | Type | Role |
/// |---|---|---|
/// | LogLikelihood | Double | natural-log probability of the row (any ArML scorer's output) |
/// | TokenCount | Int32 | tokens the log-likelihood covers |
/// | text (optional) | String | the row's text, for bits per byte and word perplexity |
///
/// One cursor pass over each input; the rows' log-likelihoods and token counts are kept in memory (12 bytes per
/// row) for the bootstrap, whose cost is rows × resamples random draws spread over the cores.
/// </remarks>
public static partial class LanguageModelEvaluator
{
    /// <summary>Default name of the per-row log-likelihood column (Double, natural log).</summary>
    public const string DefaultLogLikelihoodColumnName = DefaultColumnNames.LogLikelihood;

    /// <summary>Default name of the per-row predicted-token count column (Int32).</summary>
    public const string DefaultTokenCountColumnName = DefaultColumnNames.TokenCount;

    private const string SingleDataName = "the scored data";

    /// <summary>
    /// The metrics of <paramref name="scored"/> without a bootstrap interval (with no MLContext there is no seed to
    /// draw one from); <c>mlContext.LanguageModeling().Evaluate(...)</c> adds the interval.
    /// </summary>
    /// <param name="scored">Scored data.</param>
    /// <param name="logLikelihoodColumnName">Per-row log-likelihood column (Double, natural log).</param>
    /// <param name="tokenCountColumnName">Per-row predicted-token count column (Int32).</param>
    /// <param name="textColumnName">Optional text column (String) for the per-byte and per-word metrics.</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or not of the expected type.</exception>
    /// <exception cref="InvalidDataException">A row has a NaN or infinite log-likelihood, or a negative token count (the row index is given).</exception>
    /// <exception cref="InvalidOperationException">No row has a predicted token.</exception>
    public static LanguageModelMetrics Evaluate(IDataView scored,
        string logLikelihoodColumnName = DefaultLogLikelihoodColumnName, string tokenCountColumnName = DefaultTokenCountColumnName,
        string? textColumnName = null) =>
        Evaluate(scored, new Options
        {
            LogLikelihoodColumnName = logLikelihoodColumnName,
            TokenCountColumnName = tokenCountColumnName,
            TextColumnName = textColumnName,
            BootstrapResamples = 0,
        }, seed: 0);

    internal static LanguageModelMetrics Evaluate(IDataView scored, Options options, int seed)
    {
        ArgumentNullException.ThrowIfNull(scored);
        options.Validate();
        ScoredRows rows;
        using (var reader = ScoredRowReader.Open(scored, options, SingleDataName))
            rows = ScoredRows.ReadAll(reader, keepRows: options.BootstrapResamples > 0);
        rows.RequireTokens(SingleDataName);
        ConfidenceInterval? interval = null;
        if (options.BootstrapResamples > 0)
        {
            var perplexities = PerplexityBootstrap.Resample(rows.NegativeLogLikelihoods, rows.TokenCounts, options.BootstrapResamples, seed);
            interval = PerplexityBootstrap.PercentileInterval(perplexities, options.ConfidenceLevel);
        }
        return new LanguageModelMetrics(rows, interval, options.BootstrapResamples);
    }

    internal static LanguageModelComparison Compare(IDataView scoredA, IDataView scoredB, Options options, int seed)
    {
        ArgumentNullException.ThrowIfNull(scoredA);
        ArgumentNullException.ThrowIfNull(scoredB);
        options.Validate();
        if (scoredA.GetRowCount() is long countA && scoredB.GetRowCount() is long countB && countA != countB)
            throw new InvalidDataException(
                $"Scored data A has {countA} rows and B has {countB}: a paired comparison needs the scores of the same rows, in the same order.");
        var (rowsA, rowsB, tokenMismatch) = ReadPaired(scoredA, scoredB, options);
        rowsA.RequireTokens("scored data A");
        var unit = ComparisonUnits.Choose(options.ComparisonUnit, tokenMismatch, rowsA);
        bool tokenCountsMatch = tokenMismatch == null;
        if (options.BootstrapResamples == 0)
            return new LanguageModelComparison(new LanguageModelMetrics(rowsA, null, 0), new LanguageModelMetrics(rowsB, null, 0), unit, null, null, tokenCountsMatch);

        // Each model's own perplexity interval, and the compared unit's figures, from the same drawn rows.
        var nllA = rowsA.NegativeLogLikelihoods.ToArray();
        var nllB = rowsB.NegativeLogLikelihoods.ToArray();
        int resamples = options.BootstrapResamples;
        var (perplexitiesA, perplexitiesB) = PerplexityBootstrap.ResamplePaired(nllA, ComparisonUnits.Weights(ComparisonUnit.Token, rowsA),
            nllB, ComparisonUnits.Weights(ComparisonUnit.Token, rowsB), Math.Exp, resamples, seed);
        var (valuesA, valuesB) = unit == ComparisonUnit.Token ? (perplexitiesA, perplexitiesB)
            : PerplexityBootstrap.ResamplePaired(nllA, ComparisonUnits.Weights(unit, rowsA), nllB, ComparisonUnits.Weights(unit, rowsB),
                ComparisonUnits.Statistic(unit), resamples, seed);
        var differences = new double[resamples];
        int aBetter = 0;
        for (int r = 0; r < differences.Length; r++)
        {
            differences[r] = valuesA[r] - valuesB[r];
            if (valuesA[r] < valuesB[r]) aBetter++;
        }
        double level = options.ConfidenceLevel;
        return new LanguageModelComparison(
            new LanguageModelMetrics(rowsA, PerplexityBootstrap.PercentileInterval(perplexitiesA, level), resamples),
            new LanguageModelMetrics(rowsB, PerplexityBootstrap.PercentileInterval(perplexitiesB, level), resamples),
            unit, PerplexityBootstrap.PercentileInterval(differences, level), (double)aBetter / differences.Length, tokenCountsMatch);
    }

    /// <summary>Reads both inputs in lockstep, checking that their rows align; describes the first row whose token counts differ.</summary>
    private static (ScoredRows A, ScoredRows B, string? TokenMismatch) ReadPaired(IDataView scoredA, IDataView scoredB, Options options)
    {
        using var a = ScoredRowReader.Open(scoredA, options, "scored data A");
        using var b = ScoredRowReader.Open(scoredB, options, "scored data B");
        bool keepRows = options.BootstrapResamples > 0;
        var rowsA = new ScoredRows(a.HasText, keepRows);
        var rowsB = new ScoredRows(b.HasText, keepRows);
        string? tokenMismatch = null;
        for (long row = 0; ; row++)
        {
            bool movedA = a.MoveNext(), movedB = b.MoveNext();
            if (movedA != movedB)
                throw new InvalidDataException(
                    $"Scored data {(movedA ? "B" : "A")} ends after {row} rows but {(movedA ? "A" : "B")} has more: " +
                    "a paired comparison needs the scores of the same rows, in the same order.");
            if (!movedA) break;
            if ((a.TokenCount == 0) != (b.TokenCount == 0))
                throw new InvalidDataException(
                    $"Row {row} has {a.TokenCount} predicted tokens in scored data A but {b.TokenCount} in B: are the rows aligned?");
            if (options.TextColumnName != null && !a.Text.Span.SequenceEqual(b.Text.Span))
                throw new InvalidDataException(
                    $"Row {row} holds different text in column '{options.TextColumnName}' of scored data A and B: the rows do not align.");
            if (a.TokenCount != b.TokenCount)
                tokenMismatch ??= $"Row {row} has {a.TokenCount} predicted tokens in scored data A but {b.TokenCount} in B";
            rowsA.Add(a);
            rowsB.Add(b);
        }
        return (rowsA, rowsB, tokenMismatch);
    }
}
