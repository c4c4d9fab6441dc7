using Microsoft.ML;
using ArML.Evaluators;

namespace ArML;

/// <summary>Evaluation on <c>mlContext.LanguageModeling()</c>.</summary>
public static class LanguageModelingEvaluationExtensions
{
    /// <summary>Perplexity, cross-entropy and bits per token of scored rows (any ArML scorer's output).</summary>
    /// <param name="catalog">The language modeling catalog.</param>
    /// <param name="data">Scored data.</param>
    /// <param name="logLikelihoodColumnName">Per-row log-likelihood column (Double, natural log).</param>
    /// <param name="tokenCountColumnName">Per-row predicted-token count column (Int32).</param>
    public static LanguageModelMetrics Evaluate(this LanguageModelingCatalog catalog, IDataView data,
        string logLikelihoodColumnName = LanguageModelEvaluator.DefaultLogLikelihoodColumnName,
        string tokenCountColumnName = LanguageModelEvaluator.DefaultTokenCountColumnName)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return LanguageModelEvaluator.Evaluate(data, logLikelihoodColumnName, tokenCountColumnName);
    }
}
