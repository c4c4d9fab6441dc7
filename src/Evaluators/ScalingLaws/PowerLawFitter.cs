using ArML.Numerics;

namespace ArML.Evaluators.ScalingLaws;

/// <summary>
/// Robust nonlinear least squares for L(x) = a·x^b + c, in the well-conditioned parameters θ = (α, b, c) with
/// L = exp(α + b·u) + c and u = ln(x / x₀), x₀ the geometric mean of the scales: centring u decorrelates α from b,
/// and fitting ln a instead of a keeps a positive and the problem on one numeric scale.
/// </summary>
/// <remarks>
/// Starts: for each exponent b on a grid, the model is linear in (exp α, c), solved in closed form (variable
/// projection); the best few starts are polished by Levenberg–Marquardt on the robust objective Σ ρ(rᵢ), whose
/// negative gradient is Jᵀ W r and whose Gauss–Newton matrix is Jᵀ W J with Huber weights wᵢ = min(1, k / |rᵢ|)
/// (iteratively reweighted). A step is taken only when it lowers the objective, so each run converges.
/// </remarks>
internal sealed class PowerLawFitter
{
    private const int ParameterCount = 3;
    private const int StartsPolished = 4;
    private readonly double[] _u;
    private readonly double[] _y;
    private readonly ScalingLawFitOptions _options;

    private PowerLawFitter(double[] u, double[] y, ScalingLawFitOptions options)
    {
        _u = u;
        _y = y;
        _options = options;
    }

    /// <summary>Fits θ; returns it with the final Huber threshold (infinite for squared loss).</summary>
    public static (double[] Theta, double Threshold) Fit(double[] u, double[] y, ScalingLawFitOptions options)
    {
        var fitter = new PowerLawFitter(u, y, options);
        var candidates = new List<(double[] Theta, double Threshold)>();
        foreach (var start in fitter.Starts().OrderBy(s => s.SumOfSquares).Take(StartsPolished))
            candidates.Add(fitter.Polish(start.Theta));
        if (candidates.Count == 0)
            throw new InvalidOperationException("No power law a·x^b + c with a > 0 fits these points (every start failed).");
        // Compare candidates under one threshold, the smallest any of them settled on.
        double common = candidates.Min(c => c.Threshold);
        return candidates.MinBy(c => fitter.Objective(c.Theta, common))!;
    }

    /// <summary>Model value exp(α + b·u) + c.</summary>
    public static double Evaluate(double[] theta, double u) => Math.Exp(theta[0] + theta[1] * u) + theta[2];

    /// <summary>∂L/∂θ at u: (e, e·u, 1) with e = exp(α + b·u).</summary>
    public static double[] Gradient(double[] theta, double u)
    {
        double e = Math.Exp(theta[0] + theta[1] * u);
        return [e, e * u, 1];
    }

    /// <summary>Huber's weight ψ(r)/r = min(1, k / |r|) of a residual (1 under squared loss, where k is infinite).</summary>
    public static double HuberWeight(double residual, double threshold) =>
        Math.Abs(residual) <= threshold ? 1 : threshold / Math.Abs(residual);

    /// <summary>Variable projection over a grid of exponents: (ln A, b, c) where L ≈ A·exp(b·u) + c by least squares.</summary>
    private IEnumerable<(double[] Theta, double SumOfSquares)> Starts()
    {
        const int gridPoints = 24;
        for (int g = 0; g < gridPoints; g++)
        {
            double magnitude = Math.Exp(Math.Log(0.005) + (Math.Log(3.0) - Math.Log(0.005)) * g / (gridPoints - 1));
            foreach (double b in new[] { -magnitude, magnitude })
            {
                var z = _u.Select(u => Math.Exp(b * u)).ToArray();
                if (!z.All(double.IsFinite)) continue;
                double n = z.Length, sz = z.Sum(), sy = _y.Sum(), szz = z.Sum(v => v * v), szy = z.Zip(_y, (p, q) => p * q).Sum();
                double determinant = n * szz - sz * sz;
                if (!(Math.Abs(determinant) > 1e-12 * n * szz)) continue;
                double a = (n * szy - sz * sy) / determinant;
                double c = (sy - a * sz) / n;
                if (!(a > 0) || !double.IsFinite(c)) continue;
                var theta = new[] { Math.Log(a), b, c };
                yield return (theta, Objective(theta, double.PositiveInfinity));
            }
        }
    }

    /// <summary>Levenberg–Marquardt from <paramref name="start"/>, re-estimating the Huber threshold until it settles.</summary>
    private (double[] Theta, double Threshold) Polish(double[] start)
    {
        var theta = start;
        double threshold = Threshold(theta);
        for (int round = 0; round < 20; round++)
        {
            theta = Minimize(theta, threshold);
            double next = Threshold(theta);
            if (Math.Abs(next - threshold) <= 1e-6 * threshold || double.IsPositiveInfinity(threshold)) return (theta, next);
            threshold = next;
        }
        return (theta, threshold);
    }

    private double Threshold(double[] theta)
    {
        if (_options.Loss == ScalingLawLoss.Squared) return double.PositiveInfinity;
        if (_options.HuberThreshold is double fixedThreshold) return fixedThreshold;
        var absolute = _y.Select((y, i) => Math.Abs(y - Evaluate(theta, _u[i]))).Order().ToArray();
        double median = absolute.Length % 2 == 1
            ? absolute[absolute.Length / 2]
            : 0.5 * (absolute[absolute.Length / 2 - 1] + absolute[absolute.Length / 2]);
        double floor = 1e-9 * (1 + _y.Max(Math.Abs));   // an exact fit has no residual scale to speak of
        return 1.345 * Math.Max(1.4826 * median, floor);
    }

    /// <summary>Σ ρ(rᵢ) with Huber's ρ: r²/2 within the threshold, k·|r| − k²/2 beyond; +∞ where the model overflows.</summary>
    private double Objective(double[] theta, double threshold)
    {
        double total = 0;
        for (int i = 0; i < _y.Length; i++)
        {
            double r = Math.Abs(_y[i] - Evaluate(theta, _u[i]));
            if (!double.IsFinite(r)) return double.PositiveInfinity;
            total += r <= threshold ? 0.5 * r * r : threshold * r - 0.5 * threshold * threshold;
        }
        return total;
    }

    private double[] Minimize(double[] start, double threshold)
    {
        var theta = (double[])start.Clone();
        double objective = Objective(theta, threshold);
        double lambda = 1e-3;
        for (int iteration = 0; iteration < _options.MaxIterations; iteration++)
        {
            var normal = new double[ParameterCount, ParameterCount];
            var gradient = new double[ParameterCount];
            for (int i = 0; i < _y.Length; i++)
            {
                var j = Gradient(theta, _u[i]);
                double r = _y[i] - Evaluate(theta, _u[i]);
                double w = HuberWeight(r, threshold);
                for (int p = 0; p < ParameterCount; p++)
                {
                    gradient[p] += w * j[p] * r;
                    for (int q = 0; q < ParameterCount; q++) normal[p, q] += w * j[p] * j[q];
                }
            }
            bool improved = false;
            while (lambda < 1e12)
            {
                var damped = (double[,])normal.Clone();
                for (int p = 0; p < ParameterCount; p++) damped[p, p] += lambda * Math.Max(normal[p, p], 1e-12);
                var step = DenseLinearSolver.TrySolve(damped, gradient);
                if (step is null) { lambda *= 4; continue; }
                var candidate = theta.Zip(step, (t, s) => t + s).ToArray();
                double value = Objective(candidate, threshold);
                if (value < objective)
                {
                    bool converged = step.Zip(theta, (s, t) => Math.Abs(s) <= 1e-10 * (1 + Math.Abs(t))).All(x => x)
                                     || objective - value <= 1e-15 * objective;
                    theta = candidate;
                    objective = value;
                    lambda = Math.Max(lambda / 3, 1e-12);
                    improved = !converged;
                    break;
                }
                lambda *= 4;
            }
            if (!improved) break;
        }
        return theta;
    }
}
