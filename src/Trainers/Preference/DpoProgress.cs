namespace ArML.Trainers.Preference;

/// <summary>
/// A report of a running DPO training (through <see cref="DpoOptions.PreferenceProgress"/> and the ML.NET log), at each
/// <see cref="Training.TrainerOptionsBase.EvaluationInterval"/>. The shared <see cref="Training.TrainingProgress"/> (loss,
/// speed, learning rate, ETA) is reported beside it through <see cref="Training.TrainerOptionsBase.Progress"/>.
/// </summary>
public sealed record DpoProgress
{
    /// <summary>Optimizer steps completed.</summary>
    public required int Iteration { get; init; }

    /// <summary>Metrics of the training batches since the previous report (the weights moved while they were measured).</summary>
    public required DpoMetrics Training { get; init; }

    /// <summary>Metrics of the fixed validation batches at this step; null without validation data.</summary>
    public DpoMetrics? Validation { get; init; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"DPO iter {Iteration}: train {Training}" + (Validation is { } v ? $"; validation {v}" : "");
}
