namespace ArML.Evaluators;

/// <summary>How each <see cref="ComparisonUnit"/> is chosen, weighted, computed and named.</summary>
internal static class ComparisonUnits
{
    /// <summary>
    /// <paramref name="chosen"/> if set, else per token when both models gave every row the same token count, else
    /// per byte when there is text with bytes, else per row.
    /// </summary>
    /// <param name="chosen">The user's choice, or null.</param>
    /// <param name="tokenMismatch">The first row whose token counts differ, described; null when all match.</param>
    /// <param name="a">Model A's rows (byte counts are the same for B: the text is checked equal).</param>
    /// <exception cref="InvalidDataException">Per token was chosen but the token counts differ.</exception>
    /// <exception cref="InvalidOperationException">Per byte was chosen but the text has no bytes.</exception>
    public static ComparisonUnit Choose(ComparisonUnit? chosen, string? tokenMismatch, ScoredRows a)
    {
        switch (chosen)
        {
            case ComparisonUnit.Token when tokenMismatch != null:
                throw new InvalidDataException(
                    $"ComparisonUnit is Token, but the models tokenize the rows differently ({tokenMismatch}): their per-token figures are " +
                    "in different units. Compare per Byte (with a text column) or per Row.");
            case ComparisonUnit.Byte when a.ByteCount == 0:
                throw new InvalidOperationException("ComparisonUnit is Byte, but the text of the compared rows has no bytes: compare per Row.");
            case { } unit:
                return unit;
        }
        if (tokenMismatch == null) return ComparisonUnit.Token;
        return a.HasText && a.ByteCount > 0 ? ComparisonUnit.Byte : ComparisonUnit.Row;
    }

    /// <summary>Each row's weight: its tokens, bytes or 1.</summary>
    public static double[] Weights(ComparisonUnit unit, ScoredRows rows) => unit switch
    {
        ComparisonUnit.Token => rows.TokenCounts.Select(t => (double)t).ToArray(),
        ComparisonUnit.Byte => rows.ByteCounts.Select(b => (double)b).ToArray(),
        _ => Enumerable.Repeat(1.0, rows.NegativeLogLikelihoods.Count).ToArray(),
    };

    /// <summary>The unit's figure from NLL / Σ weights: perplexity, bits per byte, or nats per row as is.</summary>
    public static Func<double, double> Statistic(ComparisonUnit unit) => unit switch
    {
        ComparisonUnit.Token => Math.Exp,
        ComparisonUnit.Byte => nats => nats / Math.Log(2),
        _ => nats => nats,
    };

    /// <summary>The unit's figure of one model's metrics.</summary>
    public static double Value(ComparisonUnit unit, LanguageModelMetrics metrics) => unit switch
    {
        ComparisonUnit.Token => metrics.Perplexity,
        ComparisonUnit.Byte => metrics.BitsPerByte ?? double.NaN,
        _ => metrics.NegativeLogLikelihoodPerRow,
    };

    /// <summary>The figure's name, for <c>ToString</c>.</summary>
    public static string Label(ComparisonUnit unit) => unit switch
    {
        ComparisonUnit.Token => "Perplexity",
        ComparisonUnit.Byte => "Bits per byte",
        _ => "NLL per row (nats)",
    };
}
