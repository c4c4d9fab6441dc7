using Microsoft.ML;
using ArML.Evaluators;

namespace ArML;

/// <summary>Evaluation and comparison on <c>mlContext.LanguageModeling()</c>.</summary>
public static class LanguageModelingEvaluationExtensions
{
    /// <summary>
    /// Perplexity, cross-entropy, bits per token, sequence perplexity and a bootstrap confidence interval of
    /// perplexity (1000 resamples, 95%) of scored rows (any ArML scorer's output); with a text column, also bits per
    /// byte, byte perplexity and word perplexity. See <see cref="LanguageModelMetrics"/> for the definitions.
    /// </summary>
    /// <param name="catalog">The language modeling catalog.</param>
    /// <param name="data">Scored data.</param>
    /// <param name="logLikelihoodColumnName">Per-row log-likelihood column (Double, natural log).</param>
    /// <param name="tokenCountColumnName">Per-row predicted-token count column (Int32).</param>
    /// <param name="textColumnName">Optional text column (String) for the per-byte and per-word metrics.</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or not of the expected type.</exception>
    /// <exception cref="InvalidDataException">A row has a NaN or infinite log-likelihood, or a negative token count (the row index is given).</exception>
    /// <exception cref="InvalidOperationException">No row has a predicted token.</exception>
    public static LanguageModelMetrics Evaluate(this LanguageModelingCatalog catalog, IDataView data,
        string logLikelihoodColumnName = LanguageModelEvaluator.DefaultLogLikelihoodColumnName,
        string tokenCountColumnName = LanguageModelEvaluator.DefaultTokenCountColumnName,
        string? textColumnName = null) =>
        catalog.Evaluate(data, new LanguageModelEvaluator.Options
        {
            LogLikelihoodColumnName = logLikelihoodColumnName,
            TokenCountColumnName = tokenCountColumnName,
            TextColumnName = textColumnName,
        });

    /// <summary>Evaluates scored rows with explicit columns, resamples, confidence level and seed.</summary>
    /// <param name="catalog">The language modeling catalog.</param>
    /// <param name="data">Scored data.</param>
    /// <param name="options">Columns and bootstrap settings.</param>
    /// <exception cref="ArgumentException">A column is missing or not of the expected type (<see cref="ArgumentOutOfRangeException"/>), or an option is invalid.</exception>
    /// <exception cref="InvalidDataException">A row has a NaN or infinite log-likelihood, or a negative token count (the row index is given).</exception>
    /// <exception cref="InvalidOperationException">No row has a predicted token.</exception>
    public static LanguageModelMetrics Evaluate(this LanguageModelingCatalog catalog, IDataView data, LanguageModelEvaluator.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return LanguageModelEvaluator.Evaluate(data, options, SeedOf(catalog, options));
    }

    /// <summary>
    /// Compares two models scored on the same rows in the same order: the difference (A − B) of their figures, its
    /// paired bootstrap confidence interval (1000 resamples, 95%) and the fraction of resamples in which A beats B.
    /// The figure is per-token perplexity when both models tokenize every row into as many tokens; otherwise bits per
    /// byte with <paramref name="textColumnName"/>, else nats per row (see <see cref="LanguageModelComparison.Unit"/>).
    /// </summary>
    /// <param name="catalog">The language modeling catalog.</param>
    /// <param name="scoredA">Model A's scores.</param>
    /// <param name="scoredB">Model B's scores of the same rows.</param>
    /// <param name="logLikelihoodColumnName">Per-row log-likelihood column of both (Double, natural log).</param>
    /// <param name="tokenCountColumnName">Per-row predicted-token count column of both (Int32).</param>
    /// <param name="textColumnName">
    /// Optional text column of both: checked equal row by row, enables the per-byte metrics, and makes models with
    /// different tokenizers compare per byte (the unit lm-evaluation-harness uses across tokenizers).
    /// </param>
    /// <param name="unit">The unit to compare in; null chooses as described above.</param>
    /// <exception cref="ArgumentException">
    /// A column is missing or not of the expected type (<see cref="ArgumentOutOfRangeException"/>), or
    /// <paramref name="unit"/> is <see cref="ComparisonUnit.Byte"/> without a text column.
    /// </exception>
    /// <exception cref="InvalidDataException">
    /// The rows do not align (different row counts, a row with tokens in one input only, or different text), a
    /// row has an invalid value (the row index is given), or <paramref name="unit"/> is <see cref="ComparisonUnit.Token"/>
    /// but the token counts differ.
    /// </exception>
    /// <exception cref="InvalidOperationException">No row has a predicted token.</exception>
    public static LanguageModelComparison Compare(this LanguageModelingCatalog catalog, IDataView scoredA, IDataView scoredB,
        string logLikelihoodColumnName = LanguageModelEvaluator.DefaultLogLikelihoodColumnName,
        string tokenCountColumnName = LanguageModelEvaluator.DefaultTokenCountColumnName,
        string? textColumnName = null, ComparisonUnit? unit = null) =>
        catalog.Compare(scoredA, scoredB, new LanguageModelEvaluator.Options
        {
            LogLikelihoodColumnName = logLikelihoodColumnName,
            TokenCountColumnName = tokenCountColumnName,
            TextColumnName = textColumnName,
            ComparisonUnit = unit,
        });

    /// <summary>Compares two models scored on the same rows, with explicit columns, resamples, confidence level and seed.</summary>
    /// <param name="catalog">The language modeling catalog.</param>
    /// <param name="scoredA">Model A's scores.</param>
    /// <param name="scoredB">Model B's scores of the same rows.</param>
    /// <param name="options">Columns (the same in both inputs), the comparison unit and bootstrap settings.</param>
    /// <exception cref="ArgumentException">A column is missing or not of the expected type (<see cref="ArgumentOutOfRangeException"/>), or an option is invalid.</exception>
    /// <exception cref="InvalidDataException">
    /// The rows do not align, a row has an invalid value (the row index is given), or the unit is per token but the
    /// token counts differ.
    /// </exception>
    /// <exception cref="InvalidOperationException">No row has a predicted token.</exception>
    public static LanguageModelComparison Compare(this LanguageModelingCatalog catalog, IDataView scoredA, IDataView scoredB,
        LanguageModelEvaluator.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return LanguageModelEvaluator.Compare(scoredA, scoredB, options, SeedOf(catalog, options));
    }

    private static int SeedOf(LanguageModelingCatalog catalog, LanguageModelEvaluator.Options options)
    {
        if (options.Seed is int seed) return seed;
        using var host = ArmlHost.Create(catalog.Context, nameof(LanguageModelEvaluator));
        return host.NextSeed();
    }
}
