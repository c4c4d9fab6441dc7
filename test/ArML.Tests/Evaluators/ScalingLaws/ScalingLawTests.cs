using ArML.Evaluators.ScalingLaws;
using Xunit;

namespace ArML.Tests.Evaluators.ScalingLaws;

public class ScalingLawTests
{
    private const double TrueA = 40, TrueB = -0.12, TrueC = 1.3;

    private static double Law(double x) => TrueA * Math.Pow(x, TrueB) + TrueC;

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary><paramref name="count"/> scales log-spaced from 1e12 to 1e17 FLOPs, losses on the law plus Gaussian noise.</summary>
    private static List<ScalingPoint> Points(int count, double noise, int seed, double from = 1e12, double to = 1e17)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            double x = from * Math.Pow(to / from, (double)i / (count - 1));
            return new ScalingPoint(x, Law(x) + noise * Gaussian(random));
        }).ToList();
    }

    private static readonly ScalingLawFitOptions LeastSquares = new() { Loss = ScalingLawLoss.Squared };

    [Fact]
    public void ExactPointsGiveTheExactLaw()
    {
        var fit = ScalingLaw.Fit(Points(8, noise: 0, seed: 0));
        Assert.Equal(TrueA, fit.A, TrueA * 1e-6);
        Assert.Equal(TrueB, fit.B, 1e-8);
        Assert.Equal(TrueC, fit.C, 1e-7);
        Assert.True(fit.ResidualStandardError < 1e-8, fit.ToString());
    }

    [Fact]
    public void NoisyPointsRecoverTheParametersWithinTheirStandardErrors()
    {
        var fit = ScalingLaw.Fit(Points(12, noise: 0.005, seed: 1));
        Assert.InRange(fit.A, TrueA - 3 * fit.StandardErrorA, TrueA + 3 * fit.StandardErrorA);
        Assert.InRange(fit.B, TrueB - 3 * fit.StandardErrorB, TrueB + 3 * fit.StandardErrorB);
        Assert.InRange(fit.C, TrueC - 3 * fit.StandardErrorC, TrueC + 3 * fit.StandardErrorC);
        // And the errors are small enough to mean something.
        Assert.True(fit.StandardErrorC < 0.1 && Math.Abs(fit.StandardErrorB) < 0.02, fit.ToString());
        Assert.InRange(fit.ResidualStandardError, 0.0025, 0.01);
    }

    [Fact]
    public void StandardErrorsEqualAFiniteDifferenceJacobianComputation()
    {
        // Independent computation in (a, b, c) directly: J by central differences of a·x^b + c, covariance
        // s²(JᵀJ)⁻¹ with s² = RSS / (n − 3), inverted by cofactors.
        var points = Points(10, noise: 0.01, seed: 2);
        var fit = ScalingLaw.Fit(points, LeastSquares);
        double[] p = [fit.A, fit.B, fit.C];
        double Model(double[] q, double x) => q[0] * Math.Pow(x, q[1]) + q[2];
        var jtj = new double[3, 3];
        double rss = 0;
        foreach (var point in points)
        {
            var row = new double[3];
            for (int k = 0; k < 3; k++)
            {
                double h = 1e-6 * Math.Max(1, Math.Abs(p[k]));
                var plus = (double[])p.Clone();
                var minus = (double[])p.Clone();
                plus[k] += h;
                minus[k] -= h;
                row[k] = (Model(plus, point.Scale) - Model(minus, point.Scale)) / (2 * h);
            }
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) jtj[i, j] += row[i] * row[j];
            rss += Math.Pow(point.Loss - Model(p, point.Scale), 2);
        }
        var inverse = CofactorInverse(jtj);
        double variance = rss / (points.Count - 3);
        Assert.Equal(Math.Sqrt(variance), fit.ResidualStandardError, 1e-9);
        Assert.Equal(Math.Sqrt(variance * inverse[0, 0]), fit.StandardErrorA, fit.StandardErrorA * 1e-3);
        Assert.Equal(Math.Sqrt(variance * inverse[1, 1]), fit.StandardErrorB, fit.StandardErrorB * 1e-3);
        Assert.Equal(Math.Sqrt(variance * inverse[2, 2]), fit.StandardErrorC, fit.StandardErrorC * 1e-3);
        Assert.Equal(variance * inverse[1, 2], fit.GetCovariance()[1, 2], Math.Abs(variance * inverse[1, 2]) * 1e-3);
        // At a least-squares optimum the residuals are orthogonal to the Jacobian's columns (the last one is all ones).
        Assert.Equal(0, points.Sum(q => q.Loss - Model(p, q.Scale)), 1e-9);
    }

    [Fact]
    public void TheHuberLossResistsAnOutlierThatPullsLeastSquares()
    {
        var points = Points(10, noise: 0.003, seed: 3);
        points[6] = new ScalingPoint(points[6].Scale, points[6].Loss + 0.25);   // a run that went wrong
        var robust = ScalingLaw.Fit(points);
        var plain = ScalingLaw.Fit(points, LeastSquares);
        // The irreducible loss and the exponent are what an outlier in the middle distorts most.
        Assert.True(Math.Abs(robust.C - TrueC) < 0.03 && Math.Abs(robust.B - TrueB) < 0.005, $"robust {robust}");
        Assert.True(Math.Abs(plain.C - TrueC) > 3 * Math.Abs(robust.C - TrueC), $"plain {plain} vs robust {robust}");
        Assert.True(Math.Abs(plain.B - TrueB) > 3 * Math.Abs(robust.B - TrueB), $"plain {plain} vs robust {robust}");
        Assert.True(robust.Weights[6] < 0.2, $"outlier weight {robust.Weights[6]}");
        Assert.All(robust.Weights.Where((_, i) => i != 6), w => Assert.True(w > 0.3));
        Assert.NotNull(robust.HuberThreshold);
        Assert.Null(plain.HuberThreshold);
        Assert.All(plain.Weights, w => Assert.Equal(1.0, w));
    }

    [Fact]
    public void PredictionIntervalsCoverAtAboutTheNominalRate()
    {
        // 300 seeded studies of 7 runs; each predicts 10× beyond its largest run. The curve interval should cover
        // the true law, and the observation interval a fresh noisy run, about 95% of the time.
        const int trials = 300;
        const double noise = 0.01, target = 1e18;
        int curveCovered = 0, observationCovered = 0;
        var fresh = new Random(99);
        for (int trial = 0; trial < trials; trial++)
        {
            var prediction = ScalingLaw.Fit(Points(7, noise, seed: 100 + trial), LeastSquares).Predict(target);
            if (prediction.CurveInterval.Contains(Law(target))) curveCovered++;
            if (prediction.ObservationInterval.Contains(Law(target) + noise * Gaussian(fresh))) observationCovered++;
            Assert.True(prediction.ObservationInterval.Width > prediction.CurveInterval.Width);
        }
        // Binomial standard deviation at 95% over 300 trials: 1.3%; the linearisation costs a little coverage far out.
        Assert.InRange((double)curveCovered / trials, 0.90, 0.99);
        Assert.InRange((double)observationCovered / trials, 0.90, 0.99);
    }

    [Fact]
    public void BadInputFailsClearly()
    {
        var good = Points(5, 0.01, seed: 4);
        Assert.Contains("at least 4", Assert.Throws<ArgumentException>(() => ScalingLaw.Fit(good.Take(3))).Message);
        var negative = good.ToList();
        negative[2] = new ScalingPoint(-1, 2);
        Assert.Contains("Point 2", Assert.Throws<ArgumentException>(() => ScalingLaw.Fit(negative)).Message);
        var nan = good.ToList();
        nan[1] = new ScalingPoint(1e13, double.NaN);
        Assert.Contains("Point 1", Assert.Throws<ArgumentException>(() => ScalingLaw.Fit(nan)).Message);
        var twoScales = new[] { new ScalingPoint(1, 3), new ScalingPoint(1, 3.1), new ScalingPoint(10, 2), new ScalingPoint(10, 2.1) };
        Assert.Contains("3 distinct", Assert.Throws<ArgumentException>(() => ScalingLaw.Fit(twoScales)).Message);
        var fit = ScalingLaw.Fit(good);
        Assert.Throws<ArgumentOutOfRangeException>(() => fit.Predict(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => fit.Predict(1e20, level: 1.5));
    }

    [Fact]
    public void TrainingComputeIsSixFlopsPerParameterPerToken()
    {
        Assert.Equal(6.0 * 800_000 * 24_000_000, ScalingLaw.TrainingCompute(800_000, 24_000_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => ScalingLaw.TrainingCompute(0, 10));
    }

    private static double[,] CofactorInverse(double[,] m)
    {
        double det = m[0, 0] * (m[1, 1] * m[2, 2] - m[1, 2] * m[2, 1])
                   - m[0, 1] * (m[1, 0] * m[2, 2] - m[1, 2] * m[2, 0])
                   + m[0, 2] * (m[1, 0] * m[2, 1] - m[1, 1] * m[2, 0]);
        var inverse = new double[3, 3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                int r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3;
                inverse[i, j] = (m[r0, c0] * m[r1, c1] - m[r0, c1] * m[r1, c0]) / det;
            }
        return inverse;
    }
}
