namespace ArML.Evaluators;

public static partial class LanguageModelEvaluator
{
    /// <summary>Options of <c>Evaluate</c> and <c>Compare</c> on <c>mlContext.LanguageModeling()</c>.</summary>
    public sealed class Options
    {
        /// <summary>Per-row log-likelihood column (Double, natural log). Default "LogLikelihood".</summary>
        public string LogLikelihoodColumnName { get; set; } = DefaultLogLikelihoodColumnName;

        /// <summary>Per-row predicted-token count column (Int32). Default "TokenCount".</summary>
        public string TokenCountColumnName { get; set; } = DefaultTokenCountColumnName;

        /// <summary>
        /// Optional text column (String) holding each row's text; when set, the per-byte and per-word metrics are
        /// computed (and <c>Compare</c> checks that both inputs hold the same text on every row). Default null.
        /// </summary>
        public string? TextColumnName { get; set; }

        /// <summary>Bootstrap resamples of the rows for the perplexity confidence interval; 0 computes no interval. Default 1000.</summary>
        public int BootstrapResamples { get; set; } = 1000;

        /// <summary>Coverage of the confidence intervals, in (0, 1). Default 0.95.</summary>
        public double ConfidenceLevel { get; set; } = 0.95;

        /// <summary>
        /// <c>Compare</c> only: the unit both models' negative log-likelihoods are divided by. Default null: per token
        /// when both models give every row the same token count (the same tokenization), else per byte when
        /// <see cref="TextColumnName"/> is set, else per row (total NLL per row, which any two tokenizers share for the
        /// same rows). <see cref="Evaluators.ComparisonUnit.Byte"/> needs <see cref="TextColumnName"/>;
        /// <see cref="Evaluators.ComparisonUnit.Token"/> fails when the token counts differ.
        /// </summary>
        public ComparisonUnit? ComparisonUnit { get; set; }

        /// <summary>Seed of the bootstrap. Default: drawn from the MLContext's seed.</summary>
        public int? Seed { get; set; }

        internal void Validate()
        {
            ArgumentException.ThrowIfNullOrEmpty(LogLikelihoodColumnName, nameof(LogLikelihoodColumnName));
            ArgumentException.ThrowIfNullOrEmpty(TokenCountColumnName, nameof(TokenCountColumnName));
            if (TextColumnName is { Length: 0 })
                throw new ArgumentException("TextColumnName must be null (no text metrics) or a column name, not empty.", nameof(TextColumnName));
            ArgumentOutOfRangeException.ThrowIfNegative(BootstrapResamples, nameof(BootstrapResamples));
            if (ComparisonUnit == Evaluators.ComparisonUnit.Byte && TextColumnName == null)
                throw new ArgumentException("ComparisonUnit Byte needs TextColumnName: the bytes are counted in the rows' text.", nameof(ComparisonUnit));
            if (ComparisonUnit is { } unit && !Enum.IsDefined(unit))
                throw new ArgumentOutOfRangeException(nameof(ComparisonUnit), $"ComparisonUnit {unit} is not a unit.");
            if (!(ConfidenceLevel > 0 && ConfidenceLevel < 1))
                throw new ArgumentOutOfRangeException(nameof(ConfidenceLevel), $"ConfidenceLevel must be in (0, 1), but is {ConfidenceLevel}.");
        }
    }
}
