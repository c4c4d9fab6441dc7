namespace ArML.Evaluators;

/// <summary>
/// The row bootstrap of corpus perplexity: each resample draws as many rows as there are, with replacement, and
/// computes exp(Σ NLL / Σ tokens) over the drawn rows. Two series resampled together share the drawn rows (a
/// paired bootstrap).
/// </summary>
/// <remarks>
/// Resample r draws its rows from its own generator, seeded with a hash of (seed, r), so results depend on the seed
/// alone, not on how many threads run the resamples. Cost: rows × resamples draws, spread over the cores.
/// </remarks>
internal static class PerplexityBootstrap
{
    /// <summary>Perplexity of each resample of one series.</summary>
    public static double[] Resample(IReadOnlyList<double> nll, IReadOnlyList<int> tokens, int resamples, int seed)
    {
        var n = nll.ToArray();
        var t = tokens.ToArray();
        var result = new double[resamples];
        Parallel.For(0, resamples, r =>
        {
            var random = Generator(seed, r);
            double sumNll = 0;
            long sumTokens = 0;
            for (int i = 0; i < n.Length; i++)
            {
                int row = random.Next(n.Length);
                sumNll += n[row];
                sumTokens += t[row];
            }
            result[r] = Math.Exp(sumNll / sumTokens);
        });
        return result;
    }

    /// <summary>
    /// Each resample's statistic of two series over the same rows, drawn together: <paramref name="statistic"/> of
    /// Σ NLL / Σ weight over the drawn rows, the weights being each row's tokens, bytes or 1 (see <see cref="ComparisonUnits"/>).
    /// The draws depend only on the seed and the row count, so every unit's resamples draw the same rows.
    /// </summary>
    public static (double[] A, double[] B) ResamplePaired(double[] nllA, double[] weightsA, double[] nllB, double[] weightsB,
        Func<double, double> statistic, int resamples, int seed)
    {
        var resultA = new double[resamples];
        var resultB = new double[resamples];
        Parallel.For(0, resamples, r =>
        {
            var random = Generator(seed, r);
            double sumNllA = 0, sumNllB = 0, sumWeightsA = 0, sumWeightsB = 0;
            for (int i = 0; i < nllA.Length; i++)
            {
                int row = random.Next(nllA.Length);
                sumNllA += nllA[row];
                sumWeightsA += weightsA[row];
                sumNllB += nllB[row];
                sumWeightsB += weightsB[row];
            }
            resultA[r] = statistic(sumNllA / sumWeightsA);
            resultB[r] = statistic(sumNllB / sumWeightsB);
        });
        return (resultA, resultB);
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
        // Equal neighbours (infinite ones included, where interpolating would give NaN) need no interpolation.
        if (fraction == 0 || sorted[above] == sorted[below]) return sorted[below];
        return sorted[below] + fraction * (sorted[above] - sorted[below]);
    }

    /// <summary>Resample <paramref name="resample"/>'s generator: the seed and the resample index mixed into one 64-bit state.</summary>
    internal static ResampleIndexGenerator Generator(int seed, int resample)
    {
        var mixer = new ResampleIndexGenerator(((long)seed << 32) ^ (uint)resample);
        return new ResampleIndexGenerator((long)mixer.NextBits());
    }
}
