using ArML.Numerics;

namespace ArML.Evaluators.ScalingLaws;

/// <summary>A fitted scaling law L(x) = <see cref="A"/>·x^<see cref="B"/> + <see cref="C"/> with its uncertainty.</summary>
/// <remarks>
/// Uncertainty is the Jacobian's: with J the derivatives of the curve at the points (in the fit's internal
/// parameters ln a', b, c), W the robust weights at the optimum (all 1 when no point is down-weighted, as under
/// least squares) and s² = Σ wᵢ rᵢ² / (n − 3), the parameter covariance is s² (Jᵀ W J)⁻¹, carried to (a, b, c) by
/// the chain rule. Intervals use Student's t with n − 3 degrees of freedom, which matters with the handful of
/// runs a scaling study has.
/// </remarks>
public sealed class ScalingLawFit
{
    private readonly double[] _theta;
    private readonly double[,] _thetaCovariance;
    private readonly double[,] _covariance;
    private readonly double _logReference;

    private ScalingLawFit(ScalingPoint[] points, double[] theta, double[,] thetaCovariance, double logReference,
        double residualStandardError, double[] weights, double? threshold)
    {
        Points = points;
        _theta = theta;
        _thetaCovariance = thetaCovariance;
        _logReference = logReference;
        ResidualStandardError = residualStandardError;
        Weights = weights;
        HuberThreshold = threshold;
        B = theta[1];
        C = theta[2];
        A = Math.Exp(theta[0] - B * logReference);
        // (a, b, c) = (exp(α − b·ln x₀), b, c): ∂a/∂α = a, ∂a/∂b = −a·ln x₀.
        double[,] chain = { { A, -A * logReference, 0 }, { 0, 1, 0 }, { 0, 0, 1 } };
        _covariance = new double[3, 3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 3; k++)
                    for (int l = 0; l < 3; l++)
                        _covariance[i, j] += chain[i, k] * thetaCovariance[k, l] * chain[j, l];
    }

    internal static ScalingLawFit Create(ScalingPoint[] points, double[] u, double[] theta, double logReference, double threshold,
        ScalingLawFitOptions options)
    {
        var weights = new double[points.Length];
        double weightedSquares = 0;
        var normal = new double[3, 3];
        for (int i = 0; i < points.Length; i++)
        {
            double r = points[i].Loss - PowerLawFitter.Evaluate(theta, u[i]);
            weights[i] = PowerLawFitter.HuberWeight(r, threshold);
            weightedSquares += weights[i] * r * r;
            var j = PowerLawFitter.Gradient(theta, u[i]);
            for (int p = 0; p < 3; p++)
                for (int q = 0; q < 3; q++) normal[p, q] += weights[i] * j[p] * j[q];
        }
        double variance = weightedSquares / (points.Length - 3);
        var inverse = DenseLinearSolver.Invert(normal) ?? throw new InvalidOperationException(
            "The fitted curve does not determine a, b and c separately (its Jacobian is singular): the points are too close to a straight line or a constant.");
        for (int p = 0; p < 3; p++)
            for (int q = 0; q < 3; q++) inverse[p, q] *= variance;
        return new ScalingLawFit(points, theta, inverse, logReference, Math.Sqrt(variance), weights,
            options.Loss == ScalingLawLoss.Huber ? threshold : null);
    }

    /// <summary>The scale factor a (&gt; 0).</summary>
    public double A { get; }

    /// <summary>The exponent b (negative for a loss that falls with scale).</summary>
    public double B { get; }

    /// <summary>The irreducible loss c the curve approaches at infinite scale (when b &lt; 0).</summary>
    public double C { get; }

    /// <summary>Standard error of <see cref="A"/>.</summary>
    public double StandardErrorA => Math.Sqrt(_covariance[0, 0]);

    /// <summary>Standard error of <see cref="B"/>.</summary>
    public double StandardErrorB => Math.Sqrt(_covariance[1, 1]);

    /// <summary>Standard error of <see cref="C"/>.</summary>
    public double StandardErrorC => Math.Sqrt(_covariance[2, 2]);

    /// <summary>The fitted points, in the order given.</summary>
    public IReadOnlyList<ScalingPoint> Points { get; }

    /// <summary>Robust weight of each point at the optimum, in (0, 1]: below 1 for points the Huber loss treated as outliers.</summary>
    public IReadOnlyList<double> Weights { get; }

    /// <summary>The Huber threshold the fit settled on; null under least squares.</summary>
    public double? HuberThreshold { get; }

    /// <summary>s = √(Σ wᵢ rᵢ² / (n − 3)): the runs' scatter around the curve.</summary>
    public double ResidualStandardError { get; }

    /// <summary>n − 3.</summary>
    public int DegreesOfFreedom => Points.Count - 3;

    /// <summary>The covariance matrix of (a, b, c), in that order (a copy).</summary>
    public double[,] GetCovariance() => (double[,])_covariance.Clone();

    /// <summary>The curve at <paramref name="scale"/>, with a confidence interval of the curve and a prediction interval of a new run.</summary>
    /// <param name="scale">A positive scale, in the units of the fitted points (inside or beyond their range).</param>
    /// <param name="level">Coverage of both intervals. Default 0.95.</param>
    /// <exception cref="ArgumentOutOfRangeException">The scale is not positive and finite, or the level is not in (0, 1).</exception>
    public ScalingLawPrediction Predict(double scale, double level = 0.95)
    {
        if (!(scale > 0) || !double.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), $"Scale must be positive and finite, but is {scale}.");
        if (!(level > 0 && level < 1)) throw new ArgumentOutOfRangeException(nameof(level), $"Level must be in (0, 1), but is {level}.");
        double u = Math.Log(scale) - _logReference;
        double loss = PowerLawFitter.Evaluate(_theta, u);
        var g = PowerLawFitter.Gradient(_theta, u);
        double variance = 0;
        for (int p = 0; p < 3; p++)
            for (int q = 0; q < 3; q++) variance += g[p] * _thetaCovariance[p, q] * g[q];
        double standardError = Math.Sqrt(Math.Max(variance, 0));
        double t = StudentT.TwoSidedCriticalValue(level, DegreesOfFreedom);
        double observation = Math.Sqrt(variance + ResidualStandardError * ResidualStandardError);
        return new ScalingLawPrediction(scale, loss, standardError,
            new ConfidenceInterval(loss - t * standardError, loss + t * standardError, level),
            new ConfidenceInterval(loss - t * observation, loss + t * observation, level));
    }

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant(
        $"L(x) = {A:G4}·x^{B:G4} + {C:G4}  (SE a {StandardErrorA:G3}, b {StandardErrorB:G3}, c {StandardErrorC:G3}; s = {ResidualStandardError:G3}, {Points.Count} points)");
}
