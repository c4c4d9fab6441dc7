using ArML.Trainers.Stateful;
using ArML.Training;
using Microsoft.ML;

namespace ArML.Trainers.WaveNet;

/// <summary>
/// Trains a WaveNet on a key column of quantized samples (for example μ-law levels of audio). Create it with
/// <c>mlContext.LanguageModeling().Trainers.WaveNet(options)</c>.
/// </summary>
/// <remarks>
/// | Column | Type | Role |
/// |---|---|---|
/// | <see cref="StatefulTrainerOptions.TokenColumnName"/> | Vector&lt;Key&gt; (any key width) | input: quantized samples |
/// | LogLikelihood | Double | output: natural-log probability of the row, its end included |
/// | TokenCount | Int32 | output: predicted samples (row length + 1) |
/// | Perplexity | Double | output: exp(−LogLikelihood / TokenCount) |
/// | TokenLogProbabilities | Vector&lt;Double&gt; | optional output: each predicted sample's log-probability |
///
/// A WaveNet is a language model over samples: a column of keys in, the next key's distribution out, scored, sampled
/// and saved like the LSTM. Its layers' queues are a state carried from piece to piece, so it trains on windows of
/// <see cref="StatefulTrainerOptions.SequenceLength"/> samples with the left context carried across them (the
/// receptive field reaches into the previous window), scores rows whole, and generates one sample per step from the
/// cached queues. The loop is the shared <see cref="TrainingLoop"/>.
/// </remarks>
public sealed partial class WaveNetTrainer : IEstimator<LanguageModelTransformer>, IChainValidatedTrainer
{
    private readonly MLContext _context;
    private readonly Options _options;

    internal WaveNetTrainer(MLContext context, Options options)
    {
        options.Validate();
        _context = context;
        _options = options;
    }

    /// <summary>Trains a new model on <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The token column is missing or of the wrong type.</exception>
    /// <exception cref="InvalidOperationException">The data has no samples, or training diverged.</exception>
    public LanguageModelTransformer Fit(IDataView input) =>
        StatefulTraining.Fit(_context, this, _options, input, "WaveNet",
            vocabularySize => _options.Config(vocabularySize),
            config => new WaveNetModel(config),
            (network, vocabulary, device) => new WaveNetLanguageModel(network, vocabulary, device));

    TrainerOptionsBase IChainValidatedTrainer.TrainingOptions => _options;

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => StatefulTraining.OutputSchema(inputSchema, _options);
}
