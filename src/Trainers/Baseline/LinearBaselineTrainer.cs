using ArML.Trainers.Stateful;
using ArML.Training;
using Microsoft.ML;

namespace ArML.Trainers.Baseline;

/// <summary>
/// Trains the linear baseline softmax(Vᵀ W · mean(e_t)) (<see cref="AverageEmbeddingModel"/>) on a token-key column,
/// with the same machinery, columns, generation and persistence as the other families. Create it with
/// <c>mlContext.LanguageModeling().Trainers.LinearBaseline(options)</c>.
/// </summary>
/// <remarks>
/// Output columns: LogLikelihood (Double), TokenCount (Int32), Perplexity (Double) and optionally
/// TokenLogProbabilities, as for <see cref="Lstm.LstmTrainer"/>. A teaching baseline: anything worth its parameters
/// should beat it.
/// </remarks>
public sealed class LinearBaselineTrainer : IEstimator<LanguageModelTransformer>, IChainValidatedTrainer
{
    private readonly MLContext _context;
    private readonly Options _options;

    internal LinearBaselineTrainer(MLContext context, Options options)
    {
        options.Validate();
        _context = context;
        _options = options;
    }

    /// <summary>Trains a new model on <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The token column is missing or of the wrong type.</exception>
    /// <exception cref="InvalidOperationException">The data has no tokens, or training diverged.</exception>
    public LanguageModelTransformer Fit(IDataView input) =>
        StatefulTraining.Fit(_context, this, _options, input, "LinearBaseline",
            vocabularySize => new AverageEmbeddingConfig(vocabularySize, _options.WindowSize, _options.EmbeddingSize),
            config => new AverageEmbeddingModel(config),
            (network, vocabulary, device) => new LinearBaselineLanguageModel(network, vocabulary, device));

    TrainerOptionsBase IChainValidatedTrainer.TrainingOptions => _options;

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => StatefulTraining.OutputSchema(inputSchema, _options);

    /// <summary>Options of <see cref="LinearBaselineTrainer"/>; the rest come from <see cref="StatefulTrainerOptions"/>.</summary>
    public sealed class Options : StatefulTrainerOptions
    {
        /// <summary>Tokens averaged: the current token and the WindowSize − 1 before it (fewer at a row's start). Default 8.</summary>
        public int WindowSize { get; set; } = DefaultWindowSize;

        /// <summary>The default of <see cref="WindowSize"/>, which the simple catalog overload takes too.</summary>
        internal const int DefaultWindowSize = 8;

        /// <summary>Width d of the embeddings and of W (d × d). Default 64.</summary>
        public int EmbeddingSize { get; set; } = 64;

        /// <inheritdoc/>
        public override void Validate()
        {
            base.Validate();
            if (WindowSize < 1) throw new ArgumentOutOfRangeException(nameof(WindowSize), "WindowSize must be at least 1.");
            if (EmbeddingSize < 1) throw new ArgumentOutOfRangeException(nameof(EmbeddingSize), "EmbeddingSize must be at least 1.");
        }
    }
}
