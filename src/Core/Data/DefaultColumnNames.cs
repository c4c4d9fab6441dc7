namespace ArML.Data;

/// <summary>
/// ArML's one definition of its default column names: the columns scorers add and the input columns that the simple
/// catalog overloads and the options assume. Public constants elsewhere (such as
/// <c>LanguageModelEvaluator.DefaultLogLikelihoodColumnName</c>) are aliases of these.
/// </summary>
internal static class DefaultColumnNames
{
    /// <summary>Token column: a vector of keys (token ids), as the tokenizers write it.</summary>
    public const string Tokens = "Tokens";

    /// <summary>Feature column of the density models: a vector of Single or Boolean.</summary>
    public const string Features = "Features";

    /// <summary>Per-row log-likelihood (Double, natural log).</summary>
    public const string LogLikelihood = "LogLikelihood";

    /// <summary>Per-row count of predicted tokens (Int32).</summary>
    public const string TokenCount = "TokenCount";

    /// <summary>Per-row perplexity (Double).</summary>
    public const string Perplexity = "Perplexity";

    /// <summary>Per-token log-probabilities (vector of Double), added on request.</summary>
    public const string TokenLogProbabilities = "TokenLogProbabilities";

    /// <summary>Anomaly score, higher = more unusual (Single), as ML.NET's anomaly-detection evaluator reads it.</summary>
    public const string Score = "Score";

    /// <summary>Whether the row is predicted anomalous (Boolean), as ML.NET's anomaly-detection evaluator reads it.</summary>
    public const string PredictedLabel = "PredictedLabel";
}
