using ArML.Trainers.Stateful;
using ArML.Training;
using Microsoft.ML;

namespace ArML.Trainers.Lstm;

/// <summary>
/// Trains an LSTM or GRU language model on a token-key column. Create it with
/// <c>mlContext.LanguageModeling().Trainers.Lstm(options)</c>.
/// </summary>
/// <remarks>
/// | Column | Type | Role |
/// |---|---|---|
/// | <see cref="StatefulTrainerOptions.TokenColumnName"/> | Vector&lt;Key&gt; (any key width) | input: token ids |
/// | LogLikelihood | Double | output: natural-log probability of the row, its end included |
/// | TokenCount | Int32 | output: predicted tokens (row length + 1) |
/// | Perplexity | Double | output: exp(−LogLikelihood / TokenCount) |
/// | TokenLogProbabilities | Vector&lt;Double&gt; | optional output: each predicted token's log-probability |
///
/// Training reads the column once through a cursor into a compact buffer and runs truncated back-propagation through
/// time (<see cref="StatefulTrainerOptions.SequenceLength"/> positions per step, the hidden state carried from one
/// window of a sequence to the next; see <see cref="StatefulTrainerOptions.ResetStateAtRowStart"/>). The loop
/// (AdamW, warm-up and cosine decay, gradient clipping, validation, early stopping, checkpoints that keep the window
/// positions and states) is the shared <see cref="Training.TrainingLoop"/>. Scoring reads each row whole from a zero
/// state, and generation carries the state from token to token. Seeded from
/// <see cref="Training.TrainerOptionsBase.Seed"/> or the MLContext's seed. Computes on <c>MLContext.GpuDeviceId</c>
/// when set and available.
/// </remarks>
public sealed partial class LstmTrainer : IEstimator<LanguageModelTransformer>, IChainValidatedTrainer
{
    private readonly MLContext _context;
    private readonly Options _options;

    internal LstmTrainer(MLContext context, Options options)
    {
        options.Validate();
        _context = context;
        _options = options;
    }

    /// <summary>Trains a new model on <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The token column is missing or of the wrong type.</exception>
    /// <exception cref="InvalidOperationException">The data has no tokens, or training diverged.</exception>
    public LanguageModelTransformer Fit(IDataView input) =>
        StatefulTraining.Fit(_context, this, _options, input, _options.Cell.ToString().ToUpperInvariant(),
            vocabularySize => new LstmConfig(vocabularySize, _options.Cell, _options.LayerCount, _options.HiddenSize,
                _options.EmbeddingSize ?? _options.HiddenSize, _options.Dropout),
            config => new LstmModel(config),
            (network, vocabulary, device) => new LstmLanguageModel(network, vocabulary, device));

    TrainerOptionsBase IChainValidatedTrainer.TrainingOptions => _options;

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => StatefulTraining.OutputSchema(inputSchema, _options);
}
