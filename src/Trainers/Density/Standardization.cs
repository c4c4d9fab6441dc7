namespace ArML.Trainers.Density;

/// <summary>
/// Per-dimension affine standardization z = (x − mean) / scale of continuous data, fitted on the training data.
/// A density of z becomes a density of x through the Jacobian: log p(x) = log p(z) − Σ log scale.
/// </summary>
/// <remarks>
/// The network computes in float32, so a value is accepted only when |z| ≤ <see cref="MaxStandardizedMagnitude"/>:
/// beyond, z or the mixture's squared distances overflow float32 and the score would be NaN or infinite. Training
/// values always lie within √rows standard deviations of their own mean; values scored later (and validation rows)
/// are checked against the bound, with errors naming the column, row and index.
/// </remarks>
/// <param name="Mean">Training mean of each dimension.</param>
/// <param name="Scale">Training standard deviation of each dimension (1 where it was 0).</param>
public sealed record Standardization(float[] Mean, float[] Scale)
{
    /// <summary>The log-determinant of dz/dx: −Σ log scale, added to every log-likelihood.</summary>
    public double LogJacobian => -Scale.Sum(s => Math.Log(s));

    /// <summary>
    /// Largest accepted |z|, in standard deviations. Its square times e¹⁴ (the narrowest mixture component's 1/σ²) is
    /// about 1e30, far below float32's 3.4e38, and the network's activations stay finite for any sane weights.
    /// </summary>
    public const double MaxStandardizedMagnitude = 1e12;

    /// <summary>
    /// Fits mean and standard deviation per dimension (two passes, in double precision). Both fit float32: the mean
    /// lies between the smallest and largest value, the standard deviation is at most half their distance.
    /// </summary>
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
        var scale = squares.Select(s => Math.Sqrt(s / Math.Max(1, data.Rows))).Select(s => s > 0 ? (float)s : 1f).ToArray();
        return new Standardization(mean.Select(m => (float)m).ToArray(), scale);
    }

    /// <summary>Standardizes rows of <see cref="Mean"/>.Length values in place.</summary>
    /// <remarks>In double: x − mean alone can overflow float32 even where z is small.</remarks>
    public void Apply(Span<float> rows)
    {
        int d = Mean.Length;
        for (int i = 0; i < rows.Length; i++) rows[i] = (float)((rows[i] - (double)Mean[i % d]) / Scale[i % d]);
    }

    /// <summary>Why <paramref name="value"/> of <paramref name="dimension"/> cannot be standardized safely, or null.</summary>
    internal string? Problem(int dimension, float value)
    {
        double z = (value - (double)Mean[dimension]) / Scale[dimension];
        return Math.Abs(z) <= MaxStandardizedMagnitude ? null
            : $"that is {z:G3} standard deviations from the training mean {Mean[dimension]:G6}, and a Gaussian mixture scores values " +
              $"within {MaxStandardizedMagnitude:G3} of them (float32 arithmetic overflows beyond)";
    }

    /// <summary>Checks every value of <paramref name="data"/> (rows read from <paramref name="what"/>) with <see cref="Problem(int, float)"/>.</summary>
    /// <exception cref="InvalidDataException">A value is too far from the training mean; the message names the row and index.</exception>
    internal void CheckRows(DensityData data, string what)
    {
        var row = new float[data.Dimension];
        for (int r = 0; r < data.Rows; r++)
        {
            data.CopyRow(r, row);
            for (int i = 0; i < row.Length; i++)
                if (Problem(i, row[i]) is string problem)
                    throw new InvalidDataException($"Row {r} of {what} holds {row[i]} at index {i}, but {problem}.");
        }
    }

    /// <summary>The data value of standardized value <paramref name="z"/> of dimension <paramref name="dimension"/>.</summary>
    public float Invert(int dimension, float z) => z * Scale[dimension] + Mean[dimension];

    /// <summary>What is wrong with this standardization for <paramref name="dimension"/> values, or null.</summary>
    internal string? Problem(int dimension) =>
        Mean is null || Scale is null || Mean.Length != dimension || Scale.Length != dimension ? $"the standardization must have {dimension} means and scales"
        : Mean.Any(m => !float.IsFinite(m)) || Scale.Any(s => !(s > 0) || !float.IsFinite(s)) ? "standardization means must be finite and scales positive"
        : null;
}
