using Microsoft.ML;

namespace ArML.Training;

/// <summary>
/// Options every ArML neural trainer shares: batching, stopping, AdamW with warm-up and cosine decay, gradient
/// clipping, validation and early stopping, checkpoints and resuming, seeding and progress.
/// </summary>
/// <remarks>
/// Training stops at whichever limit comes first: <see cref="MaxIterations"/>, <see cref="MaxEpochs"/>,
/// <see cref="MaxTokens"/> or <see cref="MaxTime"/>. The learning-rate schedule spans the iterations the first
/// three imply; a time budget that ends the run earlier cuts the schedule short.
/// </remarks>
public abstract class TrainerOptionsBase
{
    /// <summary>Examples (windows or rows) per micro-batch. Default 12.</summary>
    public int BatchSize { get; set; } = 12;

    /// <summary>Micro-batches whose gradients are summed before each optimizer step. Default 1.</summary>
    public int GradientAccumulationSteps { get; set; } = 1;

    /// <summary>Optimizer steps at most. Default 2000.</summary>
    public int MaxIterations { get; set; } = DefaultMaxIterations;

    /// <summary>The default of <see cref="MaxIterations"/>, which the trainers' simple catalog overloads take too.</summary>
    internal const int DefaultMaxIterations = 2000;

    /// <summary>Passes over the training tokens at most; null for no limit.</summary>
    public double? MaxEpochs { get; set; }

    /// <summary>Training tokens (predicted positions) at most; null for no limit.</summary>
    public long? MaxTokens { get; set; }

    /// <summary>Wall-clock budget; null for none.</summary>
    public TimeSpan? MaxTime { get; set; }

    /// <summary>Peak learning rate of AdamW. Default 1e-3.</summary>
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>Learning rate at the end of the cosine decay. Default: a tenth of <see cref="LearningRate"/>.</summary>
    public double? MinLearningRate { get; set; }

    /// <summary>Steps of linear warm-up to <see cref="LearningRate"/>. Default 100.</summary>
    public int WarmupIterations { get; set; } = 100;

    /// <summary>AdamW's β₁. Default 0.9.</summary>
    public double Beta1 { get; set; } = 0.9;

    /// <summary>AdamW's β₂. Default 0.99 (small batches are noisy).</summary>
    public double Beta2 { get; set; } = 0.99;

    /// <summary>Decoupled weight decay on weight matrices (never on biases, norms or embeddings). Default 0.1.</summary>
    public double WeightDecay { get; set; } = 0.1;

    /// <summary>Clip the global gradient norm to this; 0 disables. Default 1.</summary>
    public double GradientClipNorm { get; set; } = 1.0;

    /// <summary>
    /// Validation data already in the trainer's input schema (its token or feature columns); its loss is measured at each
    /// <see cref="EvaluationInterval"/>. When the trainer follows other steps in a chain (a tokenizer, <c>Concatenate</c>),
    /// leave this unset and fit with <c>chain.Fit(train, validation)</c> (<c>ArML.ValidationChainExtensions</c>), which
    /// passes the validation data through those steps.
    /// </summary>
    public IDataView? ValidationSet { get; set; }

    /// <summary>Steps between progress reports and validation. Default 100.</summary>
    public int EvaluationInterval { get; set; } = 100;

    /// <summary>Validation batches per evaluation (the same seeded batches every time). Default 20.</summary>
    public int EvaluationBatches { get; set; } = 20;

    /// <summary>
    /// Stop after this many evaluations without a better validation loss, and keep the best weights seen;
    /// null (default) disables early stopping. Needs validation data (<see cref="ValidationSet"/>, or the validation data
    /// given to <c>chain.Fit(train, validation)</c>); its absence is an error when training starts.
    /// </summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>Folder for checkpoints (written atomically); null for none.</summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Steps between checkpoints. Default 500.</summary>
    public int CheckpointInterval { get; set; } = 500;

    /// <summary>Continue from the checkpoint in <see cref="CheckpointDirectory"/> when there is one. Default true.</summary>
    public bool ResumeFromCheckpoint { get; set; } = true;

    /// <summary>Seed of initialisation and sampling; default drawn from the MLContext's seed.</summary>
    public int? Seed { get; set; }

    /// <summary>Receives a <see cref="TrainingProgress"/> at each report.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>Stops training (after the current step, with a checkpoint when a folder is set) and throws.</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>
    /// Token keys the model has no id for — the missing key 0, or a key that never occurred in the training data
    /// (the model's vocabulary is the keys the training data used, plus an unknown token): score them as the unknown
    /// token (default), or throw naming the column and row. Kept with the trained model.
    /// </summary>
    public ArML.Data.UnseenKeyPolicy UnseenKeys { get; set; } = ArML.Data.UnseenKeyPolicy.ScoreAsUnknown;

    /// <summary>Checks the shared options; trainers call it from their constructors.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public virtual void Validate()
    {
        Positive(BatchSize, nameof(BatchSize));
        Positive(GradientAccumulationSteps, nameof(GradientAccumulationSteps));
        Positive(MaxIterations, nameof(MaxIterations));
        if (MaxEpochs is double e && !(e > 0)) throw new ArgumentOutOfRangeException(nameof(MaxEpochs), "MaxEpochs must be positive.");
        if (MaxTokens is long t && t <= 0) throw new ArgumentOutOfRangeException(nameof(MaxTokens), "MaxTokens must be positive.");
        if (MaxTime is TimeSpan time && time <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(MaxTime), "MaxTime must be positive.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), "LearningRate must be positive.");
        if (MinLearningRate is double m && (m < 0 || m > LearningRate))
            throw new ArgumentOutOfRangeException(nameof(MinLearningRate), "MinLearningRate must be in [0, LearningRate].");
        ArgumentOutOfRangeException.ThrowIfNegative(WarmupIterations, nameof(WarmupIterations));
        if (Beta1 < 0 || Beta1 >= 1) throw new ArgumentOutOfRangeException(nameof(Beta1), "Beta1 must be in [0, 1).");
        if (Beta2 < 0 || Beta2 >= 1) throw new ArgumentOutOfRangeException(nameof(Beta2), "Beta2 must be in [0, 1).");
        ArgumentOutOfRangeException.ThrowIfNegative(WeightDecay, nameof(WeightDecay));
        ArgumentOutOfRangeException.ThrowIfNegative(GradientClipNorm, nameof(GradientClipNorm));
        Positive(EvaluationInterval, nameof(EvaluationInterval));
        Positive(EvaluationBatches, nameof(EvaluationBatches));
        if (EarlyStoppingPatience is int p && p < 1) throw new ArgumentOutOfRangeException(nameof(EarlyStoppingPatience), "EarlyStoppingPatience must be at least 1.");
        Positive(CheckpointInterval, nameof(CheckpointInterval));
        if (!Enum.IsDefined(UnseenKeys)) throw new ArgumentOutOfRangeException(nameof(UnseenKeys), $"UnseenKeys {UnseenKeys} is not defined.");
    }

    private static void Positive(int value, string name)
    {
        if (value < 1) throw new ArgumentOutOfRangeException(name, $"{name} must be at least 1, but is {value}.");
    }
}
