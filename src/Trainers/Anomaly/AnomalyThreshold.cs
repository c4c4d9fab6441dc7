using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Trainers;

/// <summary>
/// Places an anomaly threshold at a quantile of reference scores: one rule for the density models and the language
/// models, so that "quantile 0.99" flags the same share of ordinary rows in both.
/// </summary>
internal static class AnomalyThreshold
{
    /// <summary>
    /// The <paramref name="quantile"/> of <paramref name="scores"/> (sorted in place): the score at index ⌊q·n⌋ of the
    /// sorted n scores (the largest for q = 1), so that at most a share 1 − q of them lies strictly above it.
    /// </summary>
    /// <exception cref="InvalidOperationException">There are no scores, or the quantile is not finite.</exception>
    public static float Quantile(Span<double> scores, double quantile)
    {
        if (scores.Length == 0) throw new InvalidOperationException("An anomaly threshold needs at least one reference row, but there are none.");
        scores.Sort();
        double value = scores[(int)Math.Min(scores.Length - 1, Math.Floor(quantile * scores.Length))];
        return float.IsFinite((float)value) ? (float)value
            : throw new InvalidOperationException($"The quantile {quantile} of the reference scores is {value}, not a finite threshold.");
    }

    /// <summary>
    /// Fitted settings for a language model: scores the first <see cref="LanguageModelAnomalyOptions.MaxReferenceRows"/>
    /// rows of <paramref name="reference"/> with <paramref name="withScoring"/> (the model with provisional settings)
    /// and places the threshold at <see cref="LanguageModelAnomalyOptions.ThresholdQuantile"/> of their scores.
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="reference"/> has no rows.</exception>
    public static LanguageModelAnomalyScoring Fit(Func<LanguageModelAnomalyScoring, ITransformer> withScoring, IDataView reference,
        LanguageModelAnomalyOptions options)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        // The diagnostics do not change the score, so the reference pass skips them.
        var scored = withScoring(new LanguageModelAnomalyScoring(options.ScoreKind, 0f)).Transform(reference);
        var column = scored.Schema[AnomalyColumns.ScoreColumnName];
        var scores = new List<double>();
        using (var cursor = scored.GetRowCursor([column]))
        {
            var getter = cursor.GetGetter<float>(column);
            float score = 0;
            while (scores.Count < options.MaxReferenceRows && cursor.MoveNext())
            {
                getter(ref score);
                scores.Add(score);
            }
        }
        float threshold = Quantile(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(scores), options.ThresholdQuantile);
        return new LanguageModelAnomalyScoring(options.ScoreKind, threshold, options.TokenDiagnostics, options.TopG);
    }
}
