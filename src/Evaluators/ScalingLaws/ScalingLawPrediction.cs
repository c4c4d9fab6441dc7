namespace ArML.Evaluators.ScalingLaws;

/// <summary>The fitted curve at one scale, with its uncertainty.</summary>
public sealed class ScalingLawPrediction
{
    internal ScalingLawPrediction(double scale, double loss, double standardError, ConfidenceInterval curve, ConfidenceInterval observation)
    {
        Scale = scale;
        Loss = loss;
        StandardError = standardError;
        CurveInterval = curve;
        ObservationInterval = observation;
    }

    /// <summary>The scale predicted at.</summary>
    public double Scale { get; }

    /// <summary>The fitted curve's value a·x^b + c.</summary>
    public double Loss { get; }

    /// <summary>Standard error of the curve's value, from the parameter covariance (delta method).</summary>
    public double StandardError { get; }

    /// <summary>Confidence interval of the curve itself (where the law is): ± t · <see cref="StandardError"/>.</summary>
    public ConfidenceInterval CurveInterval { get; }

    /// <summary>
    /// Prediction interval of one new run at this scale (where its measured loss should fall): the curve's
    /// uncertainty plus the runs' own scatter around the curve, ± t · √(SE² + s²).
    /// </summary>
    public ConfidenceInterval ObservationInterval { get; }

    /// <inheritdoc/>
    public override string ToString() =>
        FormattableString.Invariant($"L({Scale:G4}) = {Loss:G6} ± {StandardError:G3}; new run in [{ObservationInterval.Lower:G6}, {ObservationInterval.Upper:G6}]");
}
