using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Schema;

namespace ArML.Evaluators;

/// <summary>Computes <see cref="LanguageModelMetrics"/> from any scored data view, in one cursor pass.</summary>
public static class LanguageModelEvaluator
{
    /// <summary>Default name of the per-row log-likelihood column (Double, natural log).</summary>
    public const string DefaultLogLikelihoodColumnName = "LogLikelihood";

    /// <summary>Default name of the per-row predicted-token count column (Int32).</summary>
    public const string DefaultTokenCountColumnName = "TokenCount";

    /// <summary>Sums the log-likelihoods and token counts of <paramref name="scored"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or not of the expected type.</exception>
    /// <exception cref="InvalidDataException">A row has a NaN or infinite log-likelihood, or a negative token count (the row index is given).</exception>
    /// <exception cref="InvalidOperationException">No row has a predicted token.</exception>
    public static LanguageModelMetrics Evaluate(IDataView scored,
        string logLikelihoodColumnName = DefaultLogLikelihoodColumnName, string tokenCountColumnName = DefaultTokenCountColumnName)
    {
        ArgumentNullException.ThrowIfNull(scored);
        var ll = ColumnChecks.RequireType(scored.Schema, logLikelihoodColumnName, NumberDataViewType.Double, "log-likelihood");
        var tc = ColumnChecks.RequireType(scored.Schema, tokenCountColumnName, NumberDataViewType.Int32, "token count");
        double nll = 0;
        long tokens = 0, rows = 0, empty = 0;
        using var cursor = scored.GetRowCursor([ll, tc]);
        var llGetter = cursor.GetGetter<double>(ll);
        var tcGetter = cursor.GetGetter<int>(tc);
        double logLikelihood = 0;
        int count = 0;
        while (cursor.MoveNext())
        {
            tcGetter(ref count);
            if (count < 0) throw new InvalidDataException($"Row {cursor.Position} has a negative token count ({count}).");
            if (count == 0)
            {
                empty++;
                continue;
            }
            llGetter(ref logLikelihood);
            if (!double.IsFinite(logLikelihood))
                throw new InvalidDataException($"Row {cursor.Position} has log-likelihood {logLikelihood}; metrics need finite values.");
            nll -= logLikelihood;
            tokens += count;
            rows++;
        }
        if (tokens == 0)
            throw new InvalidOperationException($"No row has a predicted token ({empty} rows with none): nothing to evaluate.");
        return new LanguageModelMetrics(nll, tokens, rows, empty);
    }
}
