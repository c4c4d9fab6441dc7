namespace ArML.Trainers.VectorQuantization;

/// <summary>How well a trained VQ-VAE reconstructs and how it uses its codebook, measured at the end of <c>Fit</c>.</summary>
/// <param name="Rows">Images measured: the validation data when given, else the training data (at most 10,000 evenly spaced rows).</param>
/// <param name="ReconstructionError">Mean squared error per value of decode(encode(x)) against x.</param>
/// <param name="CodePerplexity">exp of the entropy (nats) of the codes' frequencies over those images: K when every code is used equally, 1 when one code is used.</param>
/// <param name="CodesUsed">Codes chosen at least once over those images.</param>
/// <param name="DeadCodeRestarts">Times a code unused for a while was moved onto an encoder output during training.</param>
public sealed record VectorQuantizerMetrics(int Rows, double ReconstructionError, double CodePerplexity, int CodesUsed, long DeadCodeRestarts)
{
    /// <summary>The entropy of the code frequencies in bits: an upper bound on what a prior that ignores context needs per code.</summary>
    public double CodeEntropyBits => Math.Log2(CodePerplexity);

    /// <summary>Perplexity of codes with these counts: exp(−Σ p log p).</summary>
    internal static double Perplexity(ReadOnlySpan<long> counts)
    {
        long total = 0;
        foreach (long c in counts) total += c;
        if (total == 0) return double.NaN;
        double entropy = 0;
        foreach (long c in counts)
            if (c > 0) entropy -= (double)c / total * Math.Log((double)c / total);
        return Math.Exp(entropy);
    }
}
