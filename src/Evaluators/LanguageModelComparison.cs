namespace ArML.Evaluators;

/// <summary>
/// Model A against model B on the same rows: the difference of their figures in one <see cref="Unit"/> and its paired
/// bootstrap uncertainty.
/// </summary>
/// <remarks>
/// <para>
/// Each bootstrap resample draws rows with replacement once and computes both models' figures on the drawn rows, so
/// the variation that rows share (hard rows are hard for both models) cancels in the difference: a paired test is far
/// more sensitive than comparing two separate intervals.
/// </para>
/// <para>
/// The unit: per-token perplexity when both models give every row the same number of tokens (the same tokenization);
/// otherwise per-token figures are in different units (a tokenizer with more, smaller tokens lowers per-token
/// perplexity for the same text probability), so the comparison divides the total NLL, which is the same quantity
/// whatever the tokenizer, by the text's UTF-8 bytes (bits per byte, when a text column is given) or by the rows
/// (nats per row). <see cref="LanguageModelEvaluator.Options.ComparisonUnit"/> overrides the choice.
/// </para>
/// </remarks>
public sealed class LanguageModelComparison
{
    internal LanguageModelComparison(LanguageModelMetrics a, LanguageModelMetrics b, ComparisonUnit unit, ConfidenceInterval? differenceInterval,
        double? fractionABetter, bool tokenCountsMatch)
    {
        A = a;
        B = b;
        Unit = unit;
        DifferenceInterval = differenceInterval;
        FractionABetter = fractionABetter;
        TokenCountsMatch = tokenCountsMatch;
    }

    /// <summary>Model A's metrics on the paired rows (its perplexity interval from the same resamples).</summary>
    public LanguageModelMetrics A { get; }

    /// <summary>Model B's metrics on the paired rows (its perplexity interval from the same resamples).</summary>
    public LanguageModelMetrics B { get; }

    /// <summary>
    /// What <see cref="ValueA"/>, <see cref="ValueB"/>, <see cref="Difference"/>, <see cref="DifferenceInterval"/> and
    /// <see cref="FractionABetter"/> measure: per-token perplexity, bits per byte, or nats per row.
    /// </summary>
    public ComparisonUnit Unit { get; }

    /// <summary>A's figure in <see cref="Unit"/>: <see cref="LanguageModelMetrics.Perplexity"/>, <see cref="LanguageModelMetrics.BitsPerByte"/> or <see cref="LanguageModelMetrics.NegativeLogLikelihoodPerRow"/>.</summary>
    public double ValueA => ComparisonUnits.Value(Unit, A);

    /// <summary>B's figure in <see cref="Unit"/>.</summary>
    public double ValueB => ComparisonUnits.Value(Unit, B);

    /// <summary><see cref="ValueA"/> − <see cref="ValueB"/>: negative when A is better (lower is better in every unit).</summary>
    public double Difference => ValueA - ValueB;

    /// <summary>A's per-token perplexity minus B's; in different units when <see cref="TokenCountsMatch"/> is false (use <see cref="Difference"/>).</summary>
    public double PerplexityDifference => A.Perplexity - B.Perplexity;

    /// <summary>Paired percentile bootstrap interval of <see cref="Difference"/>; null without resamples.</summary>
    public ConfidenceInterval? DifferenceInterval { get; }

    /// <summary>
    /// Fraction of resamples in which A's figure in <see cref="Unit"/> is strictly lower than B's (0 on identical
    /// inputs); null without resamples.
    /// </summary>
    public double? FractionABetter { get; }

    /// <summary>Whether <see cref="DifferenceInterval"/> excludes zero: the difference is significant at its level.</summary>
    public bool IsSignificant => DifferenceInterval is { } interval && (interval.Upper < 0 || interval.Lower > 0);

    /// <summary>Rows that count in both (those with at least one predicted token).</summary>
    public long RowCount => A.RowCount;

    /// <summary>Whether every row has the same predicted-token count under both models (the same tokenization).</summary>
    public bool TokenCountsMatch { get; }

    /// <inheritdoc/>
    public override string ToString()
    {
        string text = FormattableString.Invariant($"{ComparisonUnits.Label(Unit)} A {ValueA:F4} − B {ValueB:F4} = {Difference:F4}");
        if (DifferenceInterval is { } i)
            text += FormattableString.Invariant(
                $" ({i.Level * 100:0.#}% CI {i.Lower:F4}..{i.Upper:F4}), A better in {100 * FractionABetter:F1}% of {A.BootstrapResamples} resamples");
        text += FormattableString.Invariant($", {RowCount} paired rows, compared per {Unit.ToString().ToLowerInvariant()}");
        return TokenCountsMatch ? text : text + " (token counts differ)";
    }
}
