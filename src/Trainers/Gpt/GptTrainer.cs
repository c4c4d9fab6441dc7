using Microsoft.ML;
using ArML.Schema;
using ArML.Text;
using ArML.Torch;
using ArML.Training;
using TorchSharp;

namespace ArML.Trainers.Gpt;

/// <summary>
/// Trains a GPT-style decoder-only transformer on a token-key column. Create it with
/// <c>mlContext.LanguageModeling().Trainers.Gpt(options)</c>.
/// </summary>
/// <remarks>
/// | Column | Type | Role |
/// |---|---|---|
/// | <see cref="Options.TokenColumnName"/> | Vector&lt;Key&gt; (any key width) | input: token ids |
/// | LogLikelihood | Double | output: natural-log probability of the row, its end included |
/// | TokenCount | Int32 | output: predicted tokens (row length + 1) |
/// | Perplexity | Double | output: exp(−LogLikelihood / TokenCount) |
///
/// Training reads the column once through a cursor into a compact buffer with one separator id between rows
/// (as GPT-2's end-of-text), then samples random context windows from it. The model's vocabulary is the key
/// count plus that separator. Seeded from <see cref="Options.Seed"/> or the MLContext's seed: the same seed gives
/// the same weights on the CPU. Computes on <c>MLContext.GpuDeviceId</c> when set and available.
/// </remarks>
public sealed partial class GptTrainer : IEstimator<LanguageModelTransformer>
{
    private readonly MLContext _context;
    private readonly Options _options;

    internal GptTrainer(MLContext context, Options options)
    {
        Validate(options);
        _context = context;
        _options = options;
    }

    /// <inheritdoc/>
    public LanguageModelTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var column = ColumnChecks.RequireTokenKeys(input.Schema, _options.TokenColumnName);
        if (_options.ValidationSet != null)
            ColumnChecks.RequireTokenKeys(_options.ValidationSet.Schema, _options.TokenColumnName, "validation token");
        int keyCount = KeyCountOf(column);
        int separator = keyCount;
        int vocabulary = keyCount + 1;

        TorchRuntime.EnsureInitialized();
        using var host = ArmlHost.Create(_context, nameof(GptTrainer));
        var (train, rows) = SequenceReader.ReadConcatenated(input, _options.TokenColumnName, vocabulary, separator);
        if (train.Length <= 1)
            throw new InvalidOperationException($"The training data has no tokens in column '{_options.TokenColumnName}' ({rows} rows, all empty).");
        TokenBuffer? validation = null;
        if (_options.ValidationSet != null)
        {
            if (KeyCountOf(_options.ValidationSet.Schema[_options.TokenColumnName]) != keyCount)
                throw new ArgumentException($"The validation set's column '{_options.TokenColumnName}' has a different key count than the training data.");
            validation = SequenceReader.ReadConcatenated(_options.ValidationSet, _options.TokenColumnName, vocabulary, separator).Tokens;
        }
        host.Info($"GPT: {rows} rows, {train.Length} tokens ({train.BytesPerToken} bytes each), vocabulary {keyCount} + separator.");

        int seed = _options.Seed ?? host.NextSeed();
        var device = TorchRuntime.SelectDevice(_context);
        var config = new GptConfig(vocabulary, _options.ContextLength, _options.LayerCount, _options.HeadCount,
            _options.EmbeddingSize, _options.Dropout, _options.Bias);
        torch.manual_seed(seed);
        var model = new GptModel(config);
        model.to(device);
        host.Info($"GPT: {model.parameters().Sum(p => p.numel())} parameters on {device}.");
        try
        {
            new GptTrainingLoop(model, _options, train, validation, seed, device, host).Run();
        }
        catch
        {
            model.Dispose();
            throw;
        }
        var codec = KeyValuesCodec.FromColumn(column);
        return new LanguageModelTransformer(_options.TokenColumnName, keyCount, new GptLanguageModel(model, device), codec?.Tokens,
            _options.ScoringBatchSize, _options.ScoringStride ?? Math.Max(1, _options.ContextLength / 2));
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ColumnChecks.RequireTokenKeys(inputSchema, _options.TokenColumnName);
        return SchemaShapeShim.Append(inputSchema, LanguageModelScoringMapper.ScoreColumnsSchema());
    }

    private static int KeyCountOf(Microsoft.ML.DataViewSchema.Column column) =>
        checked((int)((Microsoft.ML.Data.KeyDataViewType)((Microsoft.ML.Data.VectorDataViewType)column.Type).ItemType).Count);

    private static void Validate(Options o)
    {
        ArgumentException.ThrowIfNullOrEmpty(o.TokenColumnName, nameof(o.TokenColumnName));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.ContextLength, 1, nameof(o.ContextLength));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.LayerCount, 1, nameof(o.LayerCount));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.HeadCount, 1, nameof(o.HeadCount));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.EmbeddingSize, 1, nameof(o.EmbeddingSize));
        if (o.EmbeddingSize % o.HeadCount != 0)
            throw new ArgumentException($"EmbeddingSize ({o.EmbeddingSize}) must be a multiple of HeadCount ({o.HeadCount}).", nameof(o));
        if (o.Dropout < 0 || o.Dropout >= 1) throw new ArgumentOutOfRangeException(nameof(o), "Dropout must be in [0, 1).");
        ArgumentOutOfRangeException.ThrowIfLessThan(o.BatchSize, 1, nameof(o.BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.MaxIterations, 1, nameof(o.MaxIterations));
        if (!(o.LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(o), "LearningRate must be positive.");
        ArgumentOutOfRangeException.ThrowIfNegative(o.WarmupIterations, nameof(o.WarmupIterations));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.EvaluationInterval, 1, nameof(o.EvaluationInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.EvaluationBatches, 1, nameof(o.EvaluationBatches));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.ScoringBatchSize, 1, nameof(o.ScoringBatchSize));
        if (o.ScoringStride is int s && (s < 1 || s > o.ContextLength))
            throw new ArgumentOutOfRangeException(nameof(o), $"ScoringStride must be in 1..ContextLength ({o.ContextLength}).");
    }
}
