using System.Globalization;
using System.Text;

namespace ArML.Evaluators;

/// <summary>Corpus-level quality of a language model on scored rows.</summary>
/// <remarks>
/// <para>
/// Only rows with at least one predicted token count (<see cref="RowCount"/> of them); rows with none are counted in
/// <see cref="EmptyRowCount"/> and skipped everywhere. With total negative log-likelihood NLL (nats) over
/// N = <see cref="TokenCount"/> predicted tokens:
/// </para>
/// <list type="table">
/// <listheader><term>Metric</term><description>Definition</description></listheader>
/// <item><term><see cref="CrossEntropy"/></term><description>NLL / N, nats per token</description></item>
/// <item><term><see cref="Perplexity"/></term><description>exp(NLL / N): token-weighted, so long rows weigh more, as in every standard perplexity evaluation</description></item>
/// <item><term><see cref="BitsPerToken"/></term><description>NLL / (N · ln 2)</description></item>
/// <item><term><see cref="SequencePerplexity"/></term><description>(∏ₘ Q(Xᵐ))^(−1/M) over the M rows, = exp(NLL / M)</description></item>
/// <item><term><see cref="BitsPerByte"/></term><description>NLL / (B · ln 2), B the UTF-8 bytes of the rows' text</description></item>
/// <item><term><see cref="BytePerplexity"/></term><description>exp(NLL / B) = 2^BitsPerByte</description></item>
/// <item><term><see cref="WordPerplexity"/></term><description>exp(NLL / W), W the whitespace-separated words of the rows' text</description></item>
/// </list>
/// <para>
/// The per-byte and per-word metrics are the definitions of EleutherAI's lm-evaluation-harness: they divide the
/// same total NLL by a count that does not depend on the tokenizer, so models with different tokenizers compare.
/// They need the text column (<c>textColumnName</c>). ArML's scorers frame a row as [SEP] t₁ … tₙ [SEP] and
/// predict the end of the row too (TokenCount = n + 1), so the NLL divided by the bytes includes the cost of
/// predicting where the row ends, while B counts only the bytes of the row's text (no terminator byte). For
/// corpora of long rows the difference is negligible; for short rows it makes bits per byte slightly larger than
/// a harness that scores documents without an end symbol.
/// </para>
/// </remarks>
public sealed class LanguageModelMetrics
{
    internal LanguageModelMetrics(ScoredRows rows, ConfidenceInterval? perplexityInterval, int bootstrapResamples)
    {
        NegativeLogLikelihood = rows.NegativeLogLikelihood;
        TokenCount = rows.TokenCount;
        RowCount = rows.RowCount;
        EmptyRowCount = rows.EmptyRowCount;
        if (rows.HasText)
        {
            ByteCount = rows.ByteCount;
            WordCount = rows.WordCount;
        }
        PerplexityInterval = perplexityInterval;
        BootstrapResamples = bootstrapResamples;
    }

    /// <summary>Total negative log-likelihood in nats, summed over every predicted token.</summary>
    public double NegativeLogLikelihood { get; }

    /// <summary>Predicted tokens in all rows.</summary>
    public long TokenCount { get; }

    /// <summary>Rows with at least one predicted token (the ones that count).</summary>
    public long RowCount { get; }

    /// <summary>Rows with no predicted token: counted here, skipped in every metric.</summary>
    public long EmptyRowCount { get; }

    /// <summary>Mean negative log-likelihood per token, in nats.</summary>
    public double CrossEntropy => NegativeLogLikelihood / TokenCount;

    /// <summary>Per-token perplexity: exp(<see cref="CrossEntropy"/>).</summary>
    public double Perplexity => Math.Exp(CrossEntropy);

    /// <summary><see cref="CrossEntropy"/> in bits.</summary>
    public double BitsPerToken => CrossEntropy / Math.Log(2);

    /// <summary>Mean negative log-likelihood per row, in nats (comparable across tokenizers when rows are the same).</summary>
    public double NegativeLogLikelihoodPerRow => NegativeLogLikelihood / RowCount;

    /// <summary>
    /// Sequence-level perplexity: the inverse geometric mean of the rows' probabilities, (∏ₘ Q(Xᵐ))^(−1/M) for the
    /// M = <see cref="RowCount"/> rows, computed in log space as exp(NLL / M).
    /// </summary>
    /// <remarks>
    /// Not the per-token <see cref="Perplexity"/>: it measures how surprising a whole row is, so it grows
    /// exponentially with row length (and overflows to infinity beyond about 709 nats per row). Use it to compare
    /// models on the same rows; use <see cref="Perplexity"/> or <see cref="BitsPerByte"/> for everything else.
    /// </remarks>
    public double SequencePerplexity => Math.Exp(NegativeLogLikelihoodPerRow);

    /// <summary>UTF-8 bytes of the counted rows' text; null without a text column.</summary>
    public long? ByteCount { get; }

    /// <summary>Words (maximal runs of non-white-space characters) of the counted rows' text; null without a text column.</summary>
    public long? WordCount { get; }

    /// <summary>
    /// NLL / (<see cref="ByteCount"/> · ln 2): bits per UTF-8 byte of text, comparable across tokenizers. Null without
    /// a text column or when the text has no bytes.
    /// </summary>
    public double? BitsPerByte => ByteCount > 0 ? NegativeLogLikelihood / (ByteCount.Value * Math.Log(2)) : null;

    /// <summary>exp(NLL / <see cref="ByteCount"/>) = 2^<see cref="BitsPerByte"/>. Null when <see cref="BitsPerByte"/> is.</summary>
    public double? BytePerplexity => ByteCount > 0 ? Math.Exp(NegativeLogLikelihood / ByteCount.Value) : null;

    /// <summary>exp(NLL / <see cref="WordCount"/>). Null without a text column or when the text has no words.</summary>
    public double? WordPerplexity => WordCount > 0 ? Math.Exp(NegativeLogLikelihood / WordCount.Value) : null;

    /// <summary>
    /// Percentile bootstrap confidence interval of <see cref="Perplexity"/>: rows resampled with replacement
    /// <see cref="BootstrapResamples"/> times (seeded), the perplexity of each resample computed as above. Null when
    /// no resample was asked for. Intervals of <see cref="CrossEntropy"/> and <see cref="BitsPerToken"/> are its
    /// bounds' logarithms (divided by ln 2 for bits): the percentile interval follows monotone transforms.
    /// </summary>
    public ConfidenceInterval? PerplexityInterval { get; }

    /// <summary>Bootstrap resamples behind <see cref="PerplexityInterval"/> (0: none).</summary>
    public int BootstrapResamples { get; }

    /// <inheritdoc/>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Perplexity {Perplexity:F4}");
        if (PerplexityInterval is { } interval) text.Append(CultureInfo.InvariantCulture, $" ({interval.Level * 100:0.#}% CI {interval.Lower:F4}..{interval.Upper:F4})");
        text.Append(CultureInfo.InvariantCulture, $", cross-entropy {CrossEntropy:F4} nats/token ({BitsPerToken:F4} bits)");
        if (BitsPerByte is { } bpb) text.Append(CultureInfo.InvariantCulture, $", {bpb:F4} bits/byte");
        if (WordPerplexity is { } wp) text.Append(CultureInfo.InvariantCulture, $", word perplexity {wp:F4}");
        text.Append(CultureInfo.InvariantCulture, $", {TokenCount} tokens in {RowCount} rows");
        return text.ToString();
    }
}
