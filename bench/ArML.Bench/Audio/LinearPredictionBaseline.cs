using ArML.Transforms.Audio;

namespace ArML.Bench.Audio;

/// <summary>
/// The linear-prediction baseline of the WaveNet benchmark, on exactly what the WaveNet sees: each row's μ-law levels
/// decoded back to samples x, with zeros before a row's start (as WaveNet's empty queues). An order-p predictor
/// x̂ₜ = Σₖ aₖ xₜ₋ₖ is fit by least squares on the training rows (normal equations in float64); its residual is taken
/// in μ-law bins, eₜ = level(xₜ) − level(x̂ₜ) (x̂ clipped to [−1, 1]), and coded with the residuals' histogram over the
/// training rows (add-½ smoothing over the 2L − 1 possible values). Since level(x̂ₜ) is known from the past,
/// −log₂ P(eₜ) is a code length for the sample's level: bits per sample comparable with the WaveNet's.
/// </summary>
internal sealed class LinearPredictionBaseline
{
    private readonly double[] _coefficients;
    private readonly double[] _residualProbabilities;
    private readonly int _levels;

    private LinearPredictionBaseline(double[] coefficients, double[] residualProbabilities, int levels) =>
        (_coefficients, _residualProbabilities, _levels) = (coefficients, residualProbabilities, levels);

    /// <summary>Prediction coefficients a₁ … aₚ.</summary>
    public IReadOnlyList<double> Coefficients => _coefficients;

    /// <summary>Fits the predictor and the residual histogram on <paramref name="rows"/> of levels (0-based).</summary>
    public static LinearPredictionBaseline Fit(IReadOnlyList<int[]> rows, int order, int levels)
    {
        var a = new double[order, order];
        var b = new double[order];
        foreach (var (x, t, history) in Positions(rows, order, levels))
            for (int i = 0; i < order; i++)
            {
                b[i] += history[i] * x[t];
                for (int j = 0; j < order; j++) a[i, j] += history[i] * history[j];
            }
        for (int i = 0; i < order; i++) a[i, i] += 1e-9 * (a[i, i] + 1);   // silence makes the system singular
        var coefficients = Solve(a, b);
        var counts = new double[2 * levels - 1];
        var model = new LinearPredictionBaseline(coefficients, counts, levels);
        long total = 0;
        foreach (var row in rows)
            foreach (int e in model.Residuals(row)) { counts[e + levels - 1]++; total++; }
        for (int i = 0; i < counts.Length; i++) counts[i] = (counts[i] + 0.5) / (total + 0.5 * counts.Length);
        return model;
    }

    /// <summary>Bits per sample over <paramref name="rows"/>.</summary>
    public double BitsPerSample(IReadOnlyList<int[]> rows)
    {
        double bits = 0;
        long count = 0;
        foreach (var row in rows)
            foreach (int e in Residuals(row)) { bits -= Math.Log2(_residualProbabilities[e + _levels - 1]); count++; }
        return bits / count;
    }

    private IEnumerable<int> Residuals(int[] row)
    {
        foreach (var (x, t, history) in Positions([row], _coefficients.Length, _levels))
        {
            double prediction = 0;
            for (int k = 0; k < history.Length; k++) prediction += _coefficients[k] * history[k];
            yield return row[t] - MuLaw.Encode((float)Math.Clamp(prediction, -1, 1), _levels);
        }
    }

    // Every position t of every row with its decoded samples x and the p samples before it (zeros before the start).
    private static IEnumerable<(double[] X, int T, double[] History)> Positions(IReadOnlyList<int[]> rows, int order, int levels)
    {
        var history = new double[order];
        foreach (var row in rows)
        {
            var x = row.Select(level => (double)MuLaw.Decode(level, levels)).ToArray();
            for (int t = 0; t < x.Length; t++)
            {
                for (int k = 0; k < order; k++) history[k] = t - 1 - k >= 0 ? x[t - 1 - k] : 0;
                yield return (x, t, history);
            }
        }
    }

    // Gaussian elimination with partial pivoting (the normal equations are small and symmetric positive definite).
    private static double[] Solve(double[,] a, double[] b)
    {
        int n = b.Length;
        for (int c = 0; c < n; c++)
        {
            int pivot = Enumerable.Range(c, n - c).MaxBy(r => Math.Abs(a[r, c]));
            for (int k = 0; k < n; k++) (a[c, k], a[pivot, k]) = (a[pivot, k], a[c, k]);
            (b[c], b[pivot]) = (b[pivot], b[c]);
            for (int r = c + 1; r < n; r++)
            {
                double f = a[r, c] / a[c, c];
                for (int k = c; k < n; k++) a[r, k] -= f * a[c, k];
                b[r] -= f * b[c];
            }
        }
        var solution = new double[n];
        for (int r = n - 1; r >= 0; r--)
        {
            double s = b[r];
            for (int k = r + 1; k < n; k++) s -= a[r, k] * solution[k];
            solution[r] = s / a[r, r];
        }
        return solution;
    }
}
