namespace ArML.Evaluators.ScalingLaws;

/// <summary>How <see cref="ScalingLaw.Fit"/> weighs residuals.</summary>
public enum ScalingLawLoss
{
    /// <summary>Ordinary least squares: every point at full weight, however far off.</summary>
    Squared,

    /// <summary>
    /// Huber's loss: squared for residuals up to a threshold, linear beyond, so a run that went wrong (a diverged or
    /// under-trained model) pulls the curve far less than under least squares.
    /// </summary>
    Huber,
}
