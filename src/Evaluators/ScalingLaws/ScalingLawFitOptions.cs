namespace ArML.Evaluators.ScalingLaws;

/// <summary>Options of <see cref="ScalingLaw.Fit"/>.</summary>
public sealed class ScalingLawFitOptions
{
    /// <summary>The residual loss. Default <see cref="ScalingLawLoss.Huber"/>.</summary>
    public ScalingLawLoss Loss { get; set; } = ScalingLawLoss.Huber;

    /// <summary>
    /// Huber threshold in loss units: residuals beyond it count linearly. Default: 1.345 times a robust estimate of
    /// the residual standard deviation (1.4826 · median absolute residual), re-estimated as the fit improves —
    /// 95% efficient when the noise is Gaussian.
    /// </summary>
    public double? HuberThreshold { get; set; }

    /// <summary>Levenberg–Marquardt iterations per start. Default 200.</summary>
    public int MaxIterations { get; set; } = 200;

    internal void Validate()
    {
        if (!Enum.IsDefined(Loss)) throw new ArgumentOutOfRangeException(nameof(Loss), $"Unknown loss {Loss}.");
        if (HuberThreshold is double k && !(k > 0 && double.IsFinite(k)))
            throw new ArgumentOutOfRangeException(nameof(HuberThreshold), $"HuberThreshold must be positive and finite, but is {k}.");
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxIterations, 1, nameof(MaxIterations));
    }
}
