namespace ArML.Evaluators;

/// <summary>
/// Model A against model B on the same rows: the perplexity difference and its paired bootstrap uncertainty.
/// </summary>
/// <remarks>
/// Each bootstrap resample draws rows with replacement once and computes both models' perplexities on the drawn
/// rows, so the variation that rows share (hard rows are hard for both models) cancels in the difference: a paired
/// test is far more sensitive than comparing two separate intervals. When the models tokenize differently
/// (<see cref="TokenCountsMatch"/> false) per-token perplexities are in different units; compare
/// <see cref="LanguageModelMetrics.BitsPerByte"/> or per-row NLL instead.
/// </remarks>
public sealed class LanguageModelComparison
{
    internal LanguageModelComparison(LanguageModelMetrics a, LanguageModelMetrics b, ConfidenceInterval? differenceInterval,
        double? fractionABetter, bool tokenCountsMatch)
    {
        A = a;
        B = b;
        DifferenceInterval = differenceInterval;
        FractionABetter = fractionABetter;
        TokenCountsMatch = tokenCountsMatch;
    }

    /// <summary>Model A's metrics on the paired rows (its perplexity interval from the same resamples).</summary>
    public LanguageModelMetrics A { get; }

    /// <summary>Model B's metrics on the paired rows (its perplexity interval from the same resamples).</summary>
    public LanguageModelMetrics B { get; }

    /// <summary>A's perplexity minus B's: negative when A is better.</summary>
    public double PerplexityDifference => A.Perplexity - B.Perplexity;

    /// <summary>Paired percentile bootstrap interval of <see cref="PerplexityDifference"/>; null without resamples.</summary>
    public ConfidenceInterval? DifferenceInterval { get; }

    /// <summary>
    /// Fraction of resamples in which A's perplexity is strictly lower than B's (0 on identical inputs); null
    /// without resamples.
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
        string text = FormattableString.Invariant($"Perplexity A {A.Perplexity:F4} − B {B.Perplexity:F4} = {PerplexityDifference:F4}");
        if (DifferenceInterval is { } i)
            text += FormattableString.Invariant(
                $" ({i.Level * 100:0.#}% CI {i.Lower:F4}..{i.Upper:F4}), A better in {100 * FractionABetter:F1}% of {A.BootstrapResamples} resamples");
        return text + FormattableString.Invariant($", {RowCount} paired rows");
    }
}
