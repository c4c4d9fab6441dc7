using ArML.Training;

namespace ArML.Trainers.Stateful;

/// <summary>
/// Options the stateful families (LSTM/GRU and the linear baseline) share, on top of <see cref="TrainerOptionsBase"/>
/// (batching, stopping, optimizer, validation, checkpoints, seed, progress).
/// </summary>
/// <remarks>
/// Training is truncated back-propagation through time: <see cref="TrainerOptionsBase.BatchSize"/> readers move
/// along the rows (joined by the separator) and every step reads the next <see cref="SequenceLength"/> tokens of each,
/// continuing from the state the previous step left. Validation reads the validation rows the same way.
/// </remarks>
public abstract class StatefulTrainerOptions : TrainerOptionsBase
{
    /// <summary>Token column: a vector of keys (token ids). Default "Tokens".</summary>
    public string TokenColumnName { get; set; } = "Tokens";

    /// <summary>
    /// Tokens each reader reads per step: gradients flow back this many positions, while the state carries context
    /// further. Default 64.
    /// </summary>
    public int SequenceLength { get; set; } = 64;

    /// <summary>
    /// Restart a reader's state at every row start during training, as scoring does (each row is scored from the start
    /// state). False carries the state across rows, like language models trained on one running text. Default true.
    /// </summary>
    public bool ResetStateAtRowStart { get; set; } = true;

    /// <summary>Rows scored together by the trained model's transformer. Default 32.</summary>
    public int ScoringBatchSize { get; set; } = 32;

    /// <summary>Add a "TokenLogProbabilities" column: the log-probability of each predicted token. Default false.</summary>
    public bool TokenLogProbabilities { get; set; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        ArgumentException.ThrowIfNullOrEmpty(TokenColumnName, nameof(TokenColumnName));
        if (SequenceLength < 1) throw new ArgumentOutOfRangeException(nameof(SequenceLength), "SequenceLength must be at least 1.");
        if (ScoringBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(ScoringBatchSize), "ScoringBatchSize must be at least 1.");
    }
}
