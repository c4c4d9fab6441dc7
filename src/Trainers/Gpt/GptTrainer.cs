using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Data;
using ArML.Schema;
using ArML.Text;
using ArML.Torch;
using ArML.Training;
using TorchSharp;
using ArML.Trainers.Generation;

namespace ArML.Trainers.Gpt;

/// <summary>
/// Trains a GPT-style decoder-only transformer on a token-key column. Create it with
/// <c>mlContext.LanguageModeling().Trainers.Gpt(options)</c>.
/// </summary>
/// <remarks>
/// | Column | Type | Role |
/// |---|---|---|
/// | <see cref="Options.TokenColumnName"/> | Vector&lt;Key&gt; (any key width) | input: token ids |
/// | <see cref="Options.ConditionColumnName"/> | Key or Vector&lt;Key&gt; | optional input: the condition c of P(tokens \| c) |
/// | LogLikelihood | Double | output: natural-log probability of the row, its end included |
/// | TokenCount | Int32 | output: predicted tokens (row length + 1) |
/// | Perplexity | Double | output: exp(−LogLikelihood / TokenCount) |
/// | TokenLogProbabilities | Vector&lt;Double&gt; | optional output: each predicted token's log-probability |
///
/// Training reads the columns once through a cursor into a compact buffer (2 bytes per token when the vocabulary
/// allows), then draws random context windows over the rows joined by one separator id (as GPT-2's end-of-text),
/// or whole rows with <see cref="BatchLayout.RowAligned"/>. The loop (AdamW, warm-up and cosine decay, clipping,
/// validation, early stopping, checkpoints) is the shared <see cref="TrainingLoop"/>. Seeded from
/// <see cref="TrainerOptionsBase.Seed"/> or the MLContext's seed: the same seed gives the same weights on the CPU.
/// Computes on <c>MLContext.GpuDeviceId</c> when set and available. With <see cref="Options.Adapter"/> only low-rank
/// adapters train over frozen base weights (<see cref="LoraOptions"/>).
/// </remarks>
public sealed partial class GptTrainer : IEstimator<LanguageModelTransformer>, IChainValidatedTrainer
{
    private readonly MLContext _context;
    private readonly Options _options;

    internal GptTrainer(MLContext context, Options options)
    {
        options.Validate();
        _context = context;
        _options = options;
    }

    /// <summary>Trains a new model on <paramref name="input"/>.</summary>
    public LanguageModelTransformer Fit(IDataView input) => Fit(input, initialModel: null);

    /// <summary>
    /// Trains on <paramref name="input"/>, starting from <paramref name="initialModel"/>'s weights when given
    /// (fine-tuning). A warm start keeps the initial model's architecture; the token (and condition) key counts and
    /// the context length must match it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type.</exception>
    /// <exception cref="InvalidOperationException">The data has no tokens, or training diverged.</exception>
    public LanguageModelTransformer Fit(IDataView input, LanguageModelTransformer? initialModel)
    {
        ArgumentNullException.ThrowIfNull(input);
        var keys = CheckColumns(input.Schema, "training");
        ChainValidation.Check(this, _options.TokenColumnName, _options.ConditionColumnName);
        if (_options.ValidationSet != null && CheckColumns(_options.ValidationSet.Schema, "validation") != keys)
            throw new ArgumentException("The validation set's token (or condition) column has a different key count than the training data.");
        // A warm start keeps the initial model's vocabulary; otherwise the vocabulary is learned from the training data.
        var initialMap = initialModel is null ? null : WarmStartMap(initialModel, keys);

        TorchRuntime.EnsureInitialized();
        using var host = ArmlHost.Create(_context, nameof(GptTrainer));
        var train = LanguageModelData.Read(input, _options.TokenColumnName, _options.ConditionColumnName, keys.ConditionKeyCount, _options.BatchLayout,
            initialMap, _options.UnseenKeys);
        if (train.Rows == 0)
            throw new InvalidOperationException($"The training data has no tokens in column '{_options.TokenColumnName}' (every row is empty).");
        var vocabulary = train.Layout;
        var validation = ChainValidation.Read(this, input, view => LanguageModelData.Read(view, _options.TokenColumnName, _options.ConditionColumnName,
            keys.ConditionKeyCount, _options.BatchLayout, train.Map, _options.UnseenKeys));
        host.Info($"GPT: {train.Rows} rows, {train.Tokens.Length} ids ({train.Tokens.BytesPerToken} bytes each), " +
                  $"{vocabulary.TokenKeyCount} token ids ({train.Map.UsedKeys.Count} of the column's {keys.TokenKeyCount} keys and the unknown token).");
        var config = initialModel != null ? WarmStartConfig(initialModel, vocabulary)
            : new GptConfig(vocabulary.Size, _options.ContextLength, _options.LayerCount, _options.HeadCount,
                _options.EmbeddingSize, _options.Dropout, _options.Bias, _options.PositionEncoding);

        int seed = _options.Seed ?? host.NextSeed();
        var device = TorchRuntime.SelectDevice(_context);
        torch.manual_seed(seed);   // dropout draws from the process-wide generator; initialisation uses its own
        var model = new GptModel(config, seed);
        try
        {
            // An initial model's own adapters are folded into the weights this run starts from.
            if (initialModel != null) ModuleWeights.Import(model, Gpt(initialModel).Model.MergedWeights().ToDictionary(kv => kv.Key, kv => kv.Value));
            var adapter = _options.Adapter?.ToConfig();
            if (adapter != null) model.AddAdapters(adapter, seed);
            model.to(device);
            host.Info($"GPT: {model.parameters().Sum(p => p.numel())} parameters on {device}" +
                (adapter is null ? "." : $", {model.parameters().Where(p => p.requires_grad).Sum(p => p.numel())} of them in adapters (rank {adapter.Rank}) that train."));
            using var task = new GptTrainingTask(model, train, validation, _options.BatchSize, _options.ContextLength, _options.EvaluationBatches, seed, device);
            var fingerprint = new TrainingFingerprint()
                .With("model", new { config, vocabulary, _options.BatchLayout })
                .With("training data", () => train.Fingerprint())
                .With("validation", () => validation is null ? null : new { data = validation.Fingerprint(), _options.EvaluationBatches });
            // A part only for adapter runs, so checkpoints of runs without adapters keep the fingerprint they were saved with.
            if (adapter != null) fingerprint.With("adapter", adapter);
            model.ComputeType = HardwarePrecision.Resolve(_options.Precision, device);
            host.Info($"GPT: training computes in {model.ComputeType}.");
            TrainingLoop.Run(task, _options, host, seed, fingerprint);
            model.ComputeType = torch.ScalarType.Float32;
        }
        catch
        {
            model.Dispose();
            throw;
        }
        var column = input.Schema[_options.TokenColumnName];
        // A warm start keeps how the initial model frames the rows it scores (an imported checkpoint's end-of-text options).
        var scoring = initialModel is null ? vocabulary : vocabulary with
            { StartsWithSeparator = initialModel.Model.Vocabulary.StartsWithSeparator, EndsWithSeparator = initialModel.Model.Vocabulary.EndsWithSeparator };
        return new LanguageModelTransformer(new GptLanguageModel(model, scoring, device), new LanguageModelColumns(
            _options.TokenColumnName, _options.ConditionColumnName, _options.TokenLogProbabilities),
            KeyValuesCodec.FromColumn(column)?.Tokens, _options.ScoringBatchSize, _options.ScoringStride ?? Math.Max(1, _options.ContextLength / 2),
            train.Map, TokenCodecAnnotation.CodecOf(column), shortcutSeeds: GenerationSeedSource.Draw(host)).WithFittedAnomalyScoring(_options.AnomalyScoring, _options.AnomalyScoring?.ReferenceSet ?? _options.ValidationSet ?? input);
    }

    TrainerOptionsBase IChainValidatedTrainer.TrainingOptions => _options;

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ColumnChecks.RequireTokenKeys(inputSchema, _options.TokenColumnName);
        if (_options.ConditionColumnName is string condition)
        {
            var column = ColumnChecks.Find(inputSchema, condition)
                ?? throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Condition column '{condition}' was not found in the input schema.");
            if (!column.IsKey) throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Condition column '{condition}' must be a key or a vector of keys.");
        }
        return SchemaShapeShim.Append(inputSchema, LanguageModelScoringMapper.ScoreColumnsSchema(_options.TokenLogProbabilities, _options.AnomalyScoring));
    }

    private TokenIdLayout CheckColumns(DataViewSchema schema, string role)
    {
        var tokens = ColumnChecks.RequireTokenKeys(schema, _options.TokenColumnName, role + " token");
        int conditionKeys = 0;
        if (_options.ConditionColumnName is string name)
            conditionKeys = LanguageModelScoringMapper.ConditionKeyCount(schema, name);
        return new TokenIdLayout(KeyCount(tokens.Type), conditionKeys);
    }

    // The initial model's key map, with this trainer's policy; its column must be the data's.
    private TokenKeyMap WarmStartMap(LanguageModelTransformer initial, TokenIdLayout keys)
    {
        _ = Gpt(initial);   // a GPT model, or an ArgumentException
        if (initial.KeyCount != keys.TokenKeyCount || initial.Model.Vocabulary.ConditionKeyCount != keys.ConditionKeyCount)
            throw new ArgumentException(
                $"The initial model reads {initial.KeyCount} token keys and {initial.Model.Vocabulary.ConditionKeyCount} condition keys, " +
                $"but the data has {keys.TokenKeyCount} and {keys.ConditionKeyCount}.", nameof(initial));
        return initial.KeyMap.WithPolicy(_options.UnseenKeys);
    }

    private GptConfig WarmStartConfig(LanguageModelTransformer initial, TokenIdLayout vocabulary)
    {
        var old = Gpt(initial).Model.Config;
        if (initial.Model.Vocabulary with { StartsWithSeparator = true, EndsWithSeparator = true } != vocabulary)
            throw new ArgumentException($"The initial model's vocabulary ({initial.Model.Vocabulary}) differs from the data's ({vocabulary}).", nameof(initial));
        if (_options.ContextLength != old.ContextLength)
            throw new ArgumentException(
                $"ContextLength {_options.ContextLength} differs from the initial model's {old.ContextLength}; a warm start keeps the model's positions.", nameof(initial));
        return old with { Dropout = _options.Dropout };
    }

    private static GptLanguageModel Gpt(LanguageModelTransformer initial) => initial.Model as GptLanguageModel
        ?? throw new ArgumentException($"The initial model is a {initial.Model.GetType().Name}, not a GPT model.", nameof(initial));

    private static int KeyCount(DataViewType type) => checked((int)((KeyDataViewType)((VectorDataViewType)type).ItemType).Count);
}
