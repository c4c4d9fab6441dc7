namespace ArML.Bench;

/// <summary>Summaries of repeated timings, shared by the benchmarks.</summary>
internal static class Measurements
{
    /// <summary>The median (the mean of the two middle values for an even count): robust to this shared machine's outliers.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) throw new ArgumentException("No measurements.", nameof(values));
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
