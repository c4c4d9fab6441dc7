using ArML.Training;
using ArML.Data;

namespace ArML.Trainers.Stateful;

/// <summary>
/// Options the stateful families (LSTM/GRU and the linear baseline) share, on top of <see cref="TrainerOptionsBase"/>
/// (batching, stopping, optimizer, validation, checkpoints, seed, progress).
/// </summary>
/// <remarks>
/// Training is truncated back-propagation through time: each step reads <see cref="SequenceLength"/> positions of
/// <see cref="TrainerOptionsBase.BatchSize"/> sequences side by side, after the state the previous step left (cut
/// from the gradient), so gradients reach back one window while the state carries context further. Validation
/// reads the validation rows the same way, the same windows at every evaluation.
/// </remarks>
public abstract class StatefulTrainerOptions : TrainerOptionsBase
{
    /// <summary>Token column: a vector of keys (token ids). Default "Tokens".</summary>
    public string TokenColumnName { get; set; } = DefaultColumnNames.Tokens;

    /// <summary>
    /// Tokens each reader reads per step: gradients flow back this many positions, while the state carries context
    /// further. Default 64.
    /// </summary>
    public int SequenceLength { get; set; } = 64;

    /// <summary>
    /// True (default): read every row from the start state, exactly as it is scored. Rows of similar length are read
    /// side by side (a few padded positions, never scored), and rows longer than <see cref="SequenceLength"/>
    /// continue over the following steps, carrying the state. False: the rows, joined by the separator, form one
    /// running stream that BatchSize readers traverse in order, carrying the state across rows, as language models
    /// of one long text are trained; scoring still starts each row from the start state.
    /// </summary>
    public bool ResetStateAtRowStart { get; set; } = true;

    /// <summary>Rows scored together by the trained model's transformer. Default 32.</summary>
    public int ScoringBatchSize { get; set; } = 32;

    /// <summary>Add a "TokenLogProbabilities" column: the log-probability of each predicted token. Default false.</summary>
    public bool TokenLogProbabilities { get; set; }

    /// <summary>
    /// Add the anomaly columns (Score, PredictedLabel and, if asked, the token diagnostics), with the threshold placed
    /// on the validation set's scores (else the training rows'). Null (default) adds none; a trained model gets them
    /// with <see cref="LanguageModelTransformer.WithAnomalyScoring(Microsoft.ML.IDataView, LanguageModelAnomalyOptions?)"/>.
    /// </summary>
    public LanguageModelAnomalyOptions? AnomalyScoring { get; set; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        ArgumentException.ThrowIfNullOrEmpty(TokenColumnName, nameof(TokenColumnName));
        if (SequenceLength < 1) throw new ArgumentOutOfRangeException(nameof(SequenceLength), "SequenceLength must be at least 1.");
        if (ScoringBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(ScoringBatchSize), "ScoringBatchSize must be at least 1.");
        AnomalyScoring?.Validate();
    }
}
