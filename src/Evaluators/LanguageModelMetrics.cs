namespace ArML.Evaluators;

/// <summary>Corpus-level quality of a language model on scored rows.</summary>
/// <remarks>
/// With total negative log-likelihood NLL (nats) over N predicted tokens: <see cref="CrossEntropy"/> = NLL / N,
/// <see cref="Perplexity"/> = exp(NLL / N), <see cref="BitsPerToken"/> = NLL / (N · ln 2). A token-weighted
/// (not row-averaged) definition: long rows weigh more, as in every standard perplexity evaluation.
/// </remarks>
public sealed class LanguageModelMetrics
{
    internal LanguageModelMetrics(double negativeLogLikelihood, long tokenCount, long rowCount, long emptyRowCount)
    {
        NegativeLogLikelihood = negativeLogLikelihood;
        TokenCount = tokenCount;
        RowCount = rowCount;
        EmptyRowCount = emptyRowCount;
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

    /// <summary>exp(<see cref="CrossEntropy"/>).</summary>
    public double Perplexity => Math.Exp(CrossEntropy);

    /// <summary><see cref="CrossEntropy"/> in bits.</summary>
    public double BitsPerToken => CrossEntropy / Math.Log(2);

    /// <summary>Mean negative log-likelihood per row, in nats (comparable across tokenizers when rows are the same).</summary>
    public double NegativeLogLikelihoodPerRow => NegativeLogLikelihood / RowCount;

    /// <inheritdoc/>
    public override string ToString() =>
        $"Perplexity {Perplexity:F4}, cross-entropy {CrossEntropy:F4} nats/token ({BitsPerToken:F4} bits), " +
        $"{TokenCount} tokens in {RowCount} rows";
}
