namespace ArML.Evaluators;

/// <summary>
/// The row bootstrap of any per-row statistic (accuracy, macro-accuracy, log-loss of a classifier): each resample
/// draws as many rows as there are, with replacement, from the same seeded generators as
/// <see cref="PerplexityBootstrap"/>, so results depend on the seed alone.
/// </summary>
internal static class RowBootstrap
{
    /// <summary>
    /// The percentile interval at <paramref name="level"/> of <paramref name="statistic"/> (given the drawn row
    /// indices) over <paramref name="resamples"/> resamples of <paramref name="rows"/> rows.
    /// </summary>
    public static ConfidenceInterval Interval(int rows, Func<int[], double> statistic, int resamples, double level, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 2);
        var values = new double[resamples];
        Parallel.For(0, resamples, r =>
        {
            var random = PerplexityBootstrap.Generator(seed, r);
            var drawn = new int[rows];
            for (int i = 0; i < rows; i++) drawn[i] = random.Next(rows);
            values[r] = statistic(drawn);
        });
        return PerplexityBootstrap.PercentileInterval(values, level);
    }
}
