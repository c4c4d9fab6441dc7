namespace ArML.Bench;

/// <summary>Summaries of repeated timings, shared by the benchmarks.</summary>
internal static class Measurements
{
    /// <summary>The median (the mean of the two middle values for an even count): robust to this shared machine's outliers.</summary>
    public static double Median(IEnumerable<double> values) => Percentile(values, 0.5);

    /// <summary>
    /// The <paramref name="fraction"/> quantile, interpolated linearly between the order statistics around position
    /// fraction × (n − 1) (so 0.5 is the median as defined above, 0.1 and 0.9 the usual p10 and p90).
    /// </summary>
    public static double Percentile(IEnumerable<double> values, double fraction)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fraction, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fraction, 1.0);
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) throw new ArgumentException("No measurements.", nameof(values));
        double position = fraction * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
