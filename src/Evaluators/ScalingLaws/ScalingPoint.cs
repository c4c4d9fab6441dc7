namespace ArML.Evaluators.ScalingLaws;

/// <summary>One training run of a scaling study: its scale (compute or parameters) and the loss it reached.</summary>
public readonly struct ScalingPoint
{
    /// <summary>Creates a point.</summary>
    /// <param name="scale">Training compute C in FLOPs (see <see cref="ScalingLaw.TrainingCompute"/>), parameter count N, or any positive scale.</param>
    /// <param name="loss">The loss the run reached, for example validation cross-entropy in nats per token.</param>
    public ScalingPoint(double scale, double loss)
    {
        Scale = scale;
        Loss = loss;
    }

    /// <summary>Training compute C in FLOPs, parameter count N, or any positive scale.</summary>
    public double Scale { get; }

    /// <summary>The loss the run reached.</summary>
    public double Loss { get; }

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"({Scale:G4}, {Loss:G6})");
}
