namespace ArML.Trainers.Density;

/// <summary>
/// Per-dimension affine standardization z = (x − mean) / scale of continuous data, fitted on the training data.
/// A density of z becomes a density of x through the Jacobian: log p(x) = log p(z) − Σ log scale.
/// </summary>
/// <param name="Mean">Training mean of each dimension.</param>
/// <param name="Scale">Training standard deviation of each dimension (1 where it was 0).</param>
public sealed record Standardization(float[] Mean, float[] Scale)
{
    /// <summary>The log-determinant of dz/dx: −Σ log scale, added to every log-likelihood.</summary>
    public double LogJacobian => -Scale.Sum(s => Math.Log(s));

    /// <summary>Fits mean and standard deviation per dimension (two passes, in double precision).</summary>
    internal static Standardization Fit(DensityData data)
    {
        int d = data.Dimension;
        var sum = new double[d];
        var row = new float[d];
        for (int r = 0; r < data.Rows; r++)
        {
            data.CopyRow(r, row);
            for (int i = 0; i < d; i++) sum[i] += row[i];
        }
        var mean = sum.Select(s => s / Math.Max(1, data.Rows)).ToArray();
        var squares = new double[d];
        for (int r = 0; r < data.Rows; r++)
        {
            data.CopyRow(r, row);
            for (int i = 0; i < d; i++) squares[i] += (row[i] - mean[i]) * (row[i] - mean[i]);
        }
        var scale = squares.Select(s => Math.Sqrt(s / Math.Max(1, data.Rows))).Select(s => s > 0 && double.IsFinite(s) ? (float)s : 1f).ToArray();
        return new Standardization(mean.Select(m => (float)m).ToArray(), scale);
    }

    /// <summary>Standardizes rows of <see cref="Mean"/>.Length values in place.</summary>
    public void Apply(Span<float> rows)
    {
        int d = Mean.Length;
        for (int i = 0; i < rows.Length; i++) rows[i] = (rows[i] - Mean[i % d]) / Scale[i % d];
    }

    /// <summary>The data value of standardized value <paramref name="z"/> of dimension <paramref name="dimension"/>.</summary>
    public float Invert(int dimension, float z) => z * Scale[dimension] + Mean[dimension];

    /// <summary>What is wrong with this standardization for <paramref name="dimension"/> values, or null.</summary>
    internal string? Problem(int dimension) =>
        Mean is null || Scale is null || Mean.Length != dimension || Scale.Length != dimension ? $"the standardization must have {dimension} means and scales"
        : Mean.Any(m => !float.IsFinite(m)) || Scale.Any(s => !(s > 0) || !float.IsFinite(s)) ? "standardization means must be finite and scales positive"
        : null;
}
