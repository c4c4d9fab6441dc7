namespace ArML.Evaluators;

/// <summary>
/// The row bootstrap of corpus perplexity: each resample draws as many rows as there are, with replacement, and
/// computes exp(Σ NLL / Σ tokens) over the drawn rows. Several series resampled together share the drawn rows
/// (a paired bootstrap).
/// </summary>
/// <remarks>
/// Every resample has its own generator, seeded from one master generator in resample order, so results depend
/// on the seed alone, not on how many threads run the resamples. Cost: rows × resamples draws.
/// </remarks>
internal static class PerplexityBootstrap
{
    /// <summary>Perplexity of each resample of each series: result[s][r].</summary>
    /// <param name="series">Per-row −log-likelihoods and token counts; every series has the same rows.</param>
    /// <param name="resamples">Resamples to draw.</param>
    /// <param name="seed">Master seed.</param>
    public static double[][] Resample(IReadOnlyList<(IReadOnlyList<double> Nll, IReadOnlyList<int> Tokens)> series, int resamples, int seed)
    {
        int rows = series[0].Nll.Count;
        var nll = series.Select(s => s.Nll.ToArray()).ToArray();
        var tokens = series.Select(s => s.Tokens.ToArray()).ToArray();
        var seeds = new int[resamples];
        var master = new Random(seed);
        for (int r = 0; r < resamples; r++) seeds[r] = master.Next();
        var result = series.Select(_ => new double[resamples]).ToArray();
        Parallel.For(0, resamples, () => (Nll: new double[series.Count], Tokens: new long[series.Count]), (r, _, sums) =>
        {
            Array.Clear(sums.Nll);
            Array.Clear(sums.Tokens);
            var random = new Random(seeds[r]);
            for (int i = 0; i < rows; i++)
            {
                int row = random.Next(rows);
                for (int s = 0; s < nll.Length; s++)
                {
                    sums.Nll[s] += nll[s][row];
                    sums.Tokens[s] += tokens[s][row];
                }
            }
            for (int s = 0; s < nll.Length; s++) result[s][r] = Math.Exp(sums.Nll[s] / sums.Tokens[s]);
            return sums;
        }, _ => { });
        return result;
    }

    /// <summary>
    /// The percentile interval: the (1 − level)/2 and (1 + level)/2 quantiles of <paramref name="values"/>, by linear
    /// interpolation between order statistics.
    /// </summary>
    public static ConfidenceInterval PercentileInterval(IReadOnlyList<double> values, double level)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        return new ConfidenceInterval(Quantile(sorted, (1 - level) / 2), Quantile(sorted, (1 + level) / 2), level);
    }

    /// <summary>The <paramref name="q"/>-quantile of ascending <paramref name="sorted"/> values (interpolating at position q·(n − 1)).</summary>
    public static double Quantile(double[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        double fraction = position - below;
        return sorted[below] + fraction * (sorted[above] - sorted[below]);
    }
}
