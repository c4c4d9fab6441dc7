namespace ArML.Evaluators.ScalingLaws;

/// <summary>
/// Scaling-law fits in miniature: L(C) = a·C^b + c for loss against training compute (or L(N) for loss against
/// parameters, the same form), to predict what a larger run will reach from a series of smaller ones.
/// </summary>
/// <remarks>
/// c is the irreducible loss the curve approaches, b (negative for a falling curve) the exponent, a &gt; 0 the
/// scale. Fit with <see cref="Fit"/>, then extrapolate with <see cref="ScalingLawFit.Predict"/>. Pure managed code,
/// thread-safe, and fast (a fit of a few dozen points takes well under a millisecond to a few milliseconds).
/// </remarks>
public static class ScalingLaw
{
    /// <summary>
    /// Training compute of a dense transformer in FLOPs, C = 6·N·D: about 2 FLOPs per parameter per token in the
    /// forward pass and 4 in the backward pass, for N parameters trained on D tokens (attention's own cost, which
    /// grows with the context, is left out, as in the usual approximation).
    /// </summary>
    /// <param name="parameters">N, the model's parameter count.</param>
    /// <param name="tokens">D, the tokens processed in training (steps × batch size × context length).</param>
    public static double TrainingCompute(long parameters, long tokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokens);
        return 6.0 * parameters * tokens;
    }

    /// <summary>
    /// Fits L(x) = a·x^b + c to <paramref name="points"/> by robust nonlinear least squares (Levenberg–Marquardt on
    /// Huber's loss from several starts, in well-conditioned parameters), with standard errors from the Jacobian at
    /// the optimum.
    /// </summary>
    /// <param name="points">At least 4 runs (3 parameters plus one degree of freedom for the errors) at 3 or more distinct positive scales.</param>
    /// <param name="options">Loss and iteration settings; null for the defaults.</param>
    /// <exception cref="ArgumentException">Too few points, too few distinct scales, a scale that is not positive and finite, or a loss that is not finite.</exception>
    /// <exception cref="InvalidOperationException">No curve with a &gt; 0 fits the points.</exception>
    public static ScalingLawFit Fit(IEnumerable<ScalingPoint> points, ScalingLawFitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(points);
        options ??= new ScalingLawFitOptions();
        options.Validate();
        var list = points.ToArray();
        for (int i = 0; i < list.Length; i++)
        {
            if (!(list[i].Scale > 0) || !double.IsFinite(list[i].Scale))
                throw new ArgumentException($"Point {i} has scale {list[i].Scale}; scales must be positive and finite.", nameof(points));
            if (!double.IsFinite(list[i].Loss))
                throw new ArgumentException($"Point {i} has loss {list[i].Loss}; losses must be finite.", nameof(points));
        }
        if (list.Length < 4)
            throw new ArgumentException($"A fit of a, b and c with standard errors needs at least 4 points, but got {list.Length}.", nameof(points));
        if (list.Select(p => p.Scale).Distinct().Count() < 3)
            throw new ArgumentException("The points need at least 3 distinct scales to determine a, b and c.", nameof(points));

        double logReference = list.Average(p => Math.Log(p.Scale));
        var u = list.Select(p => Math.Log(p.Scale) - logReference).ToArray();
        var y = list.Select(p => p.Loss).ToArray();
        var (theta, threshold) = PowerLawFitter.Fit(u, y, options);
        return ScalingLawFit.Create(list, u, theta, logReference, threshold, options);
    }
}
