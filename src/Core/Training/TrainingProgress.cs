namespace ArML.Training;

/// <summary>A snapshot of a running training, reported through <see cref="IProgress{T}"/> and the ML.NET log.</summary>
public sealed record TrainingProgress
{
    /// <summary>Optimizer steps completed.</summary>
    public required int Iteration { get; init; }

    /// <summary>
    /// Steps the run is planned to take: the iteration limit, or fewer when the epoch or token limit implies fewer (an
    /// estimate when steps differ in size). A time limit or early stopping may end it sooner.
    /// </summary>
    public required int MaxIterations { get; init; }

    /// <summary>Mean training loss (nats per token) since the previous report.</summary>
    public required double Loss { get; init; }

    /// <summary>Validation loss (nats per token) when it was measured at this step; otherwise null.</summary>
    public double? ValidationLoss { get; init; }

    /// <summary>Training tokens processed per second since the previous report.</summary>
    public required double TokensPerSecond { get; init; }

    /// <summary>Predicted positions trained on so far.</summary>
    public long TokensSeen { get; init; }

    /// <summary>Learning rate of the latest step.</summary>
    public required double LearningRate { get; init; }

    /// <summary>Wall-clock time since training started.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>Estimated time to finish, from the average step time so far.</summary>
    public required TimeSpan EstimatedRemaining { get; init; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"iter {Iteration}/{MaxIterations}: loss {Loss:F4}" +
        (ValidationLoss is double v ? $", val {v:F4}" : "") +
        $", lr {LearningRate:G3}, {TokensPerSecond:N0} tok/s, elapsed {Elapsed:mm\\:ss}, ETA {EstimatedRemaining:mm\\:ss}";
}
