namespace ArML.Training;

/// <summary>Where a training run stands: everything besides tensors that a checkpoint must restore.</summary>
internal sealed record TrainingState
{
    /// <summary>Optimizer steps completed.</summary>
    public int Iteration { get; set; }

    /// <summary>Predicted positions trained on so far.</summary>
    public long TokensSeen { get; set; }

    /// <summary>Best validation loss measured so far (+∞ before the first).</summary>
    public double BestValidationLoss { get; set; } = double.PositiveInfinity;

    /// <summary>Evaluations since the best one.</summary>
    public int EvaluationsSinceBest { get; set; }

    /// <summary>Wall-clock seconds spent training before this process.</summary>
    public double ElapsedSeconds { get; set; }

    /// <summary>Loss sum since the last report.</summary>
    public double LossSum { get; set; }

    /// <summary>Steps since the last report.</summary>
    public int LossCount { get; set; }

    /// <summary>Batch sampler state.</summary>
    public ulong[] RandomState { get; set; } = [];
}
