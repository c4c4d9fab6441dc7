using ArML.Data;
using ArML.Schema;
using ArML.Text;
using ArML.Torch;
using ArML.Trainers.Gpt;
using ArML.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace ArML.Trainers.Classification;

/// <summary>
/// Fine-tunes a GPT as a classifier, GPT-1's way: a linear head on the final hidden state of each row's end, trained on
/// task cross-entropy + λ · LM loss over the same rows, from a pretrained language model or from scratch. Create it with
/// <c>mlContext.MulticlassClassification.Trainers.GptClassifier</c> or <c>mlContext.BinaryClassification.Trainers.GptClassifier</c>.
/// </summary>
/// <remarks>
/// | Column | Type | Role |
/// |---|---|---|
/// | <see cref="GptClassifierOptions.TokenColumnName"/> | Vector&lt;Key&gt; | input: token ids from any ArML tokenizer |
/// | <see cref="GptClassifierOptions.LabelColumnName"/> | Key (multiclass) or Boolean (binary) | input: the class |
/// | Score, PredictedLabel (and Probability, binary) | see <see cref="GptClassificationTransformer"/> | output |
///
/// The loop (AdamW, warm-up and cosine decay, clipping, validation, early stopping, checkpoints) is the shared
/// <see cref="TrainingLoop"/>, with rows in place of tokens. ML.NET's trainer catalogs do not expose their MLContext to
/// other libraries, so the trainer logs nothing on <c>MLContext.Log</c>: follow it through
/// <see cref="TrainerOptionsBase.Progress"/>. Seeded from <see cref="TrainerOptionsBase.Seed"/> (default 0): the same
/// seed gives the same weights on the CPU.
/// </remarks>
public sealed class GptClassifierTrainer : IEstimator<GptClassificationTransformer>
{
    private readonly GptClassifierOptions _options;
    private readonly bool _binary;

    internal GptClassifierTrainer(GptClassifierOptions options, bool binary)
    {
        options.Validate();
        _options = options;
        _binary = binary;
    }

    /// <summary>Trains the classifier on <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type (it is named).</exception>
    /// <exception cref="ArgumentException">The initial model is not an unconditional GPT over the token column's keys.</exception>
    /// <exception cref="InvalidDataException">A row's label is missing or outside its key range (the row is named).</exception>
    public GptClassificationTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        int classCount = CheckColumns(input.Schema, "training");
        if (_options.ValidationSet != null && CheckColumns(_options.ValidationSet.Schema, "validation") != classCount)
            throw new ArgumentException($"The validation set's label column '{_options.LabelColumnName}' has another key count than the training data's.");
        var initial = _options.InitialModel;
        var tokens = input.Schema[_options.TokenColumnName];
        var initialMap = initial is null ? null : WarmStartMap(initial, KeyCount(tokens.Type));
        int context = initial is null ? _options.ContextLength : initial.Model.ContextLength;

        TorchRuntime.EnsureInitialized();
        var train = ClassifierRows.Read(input, _options.TokenColumnName, _options.LabelColumnName, classCount, context, initialMap, _options.UnseenKeys);
        if (train.Count == 0) throw new InvalidOperationException("The training data has no rows.");
        var validation = _options.ValidationSet is null ? null
            : ClassifierRows.Read(_options.ValidationSet, _options.TokenColumnName, _options.LabelColumnName, classCount, context, train.Map, _options.UnseenKeys);

        int seed = _options.Seed ?? 0;
        var ml = new MLContext(seed);
        using var host = ArmlHost.Create(ml, nameof(GptClassifierTrainer));
        var device = TorchRuntime.SelectDevice(ml);
        torch.manual_seed(seed);   // dropout draws from the process-wide generator; initialisation uses its own
        var config = initial is null
            ? new GptConfig(train.Layout.Size, context, _options.LayerCount, _options.HeadCount, _options.EmbeddingSize, _options.Dropout, Bias: true)
            : ((GptLanguageModel)initial.Model).Model.Config with { Dropout = _options.Dropout };
        var network = new GptClassifierNetwork(new GptModel(config, seed), classCount, seed);
        try
        {
            if (initial != null) ModuleWeights.Import(network.Gpt, ((GptLanguageModel)initial.Model).Model.MergedWeights().ToDictionary(kv => kv.Key, kv => kv.Value));
            var adapter = _options.Adapter?.ToConfig();
            if (adapter != null) network.Gpt.AddAdapters(adapter, seed);
            network.to(device);
            var weights = _options.BalanceClasses ? GptClassifierTrainingTask.BalancedClassWeights(train.Labels, classCount) : null;
            var task = new GptClassifierTrainingTask(network, train, validation, _options.BatchSize, _options.AuxiliaryLanguageModelWeight,
                _options.EvaluationBatches, seed, device, weights);
            var fingerprint = new TrainingFingerprint()
                .With("model", new { config, classCount, train.Layout, _options.AuxiliaryLanguageModelWeight })
                .With("training data", () => train.Fingerprint())
                .With("validation", () => validation is null ? null : new { data = validation.Fingerprint(), _options.EvaluationBatches });
            // A part only for adapter runs, so checkpoints of runs without adapters keep the fingerprint they were saved with.
            if (adapter != null) fingerprint.With("adapter", adapter);
            if (weights != null) fingerprint.With("class weights", weights);
            network.Gpt.ComputeType = HardwarePrecision.Resolve(_options.Precision, device);
            TrainingLoop.Run(task, _options, host, seed, fingerprint);
            network.Gpt.ComputeType = torch.ScalarType.Float32;   // scoring computes in float32
        }
        catch
        {
            network.Dispose();
            throw;
        }
        var classNames = _binary ? null : KeyValuesCodec.FromColumn(input.Schema[_options.LabelColumnName])?.Tokens.ToArray();
        return new GptClassificationTransformer(network, train.Map, train.Layout, _options.TokenColumnName, _binary, classNames,
            _options.ScoringBatchSize, device);
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ColumnChecks.RequireTokenKeys(inputSchema, _options.TokenColumnName);
        var label = ColumnChecks.Find(inputSchema, _options.LabelColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Label column '{_options.LabelColumnName}' was not found in the input schema.");
        bool fits = _binary ? label.Kind == SchemaShape.Column.VectorKind.Scalar && label.ItemType is BooleanDataViewType
            : label.Kind == SchemaShape.Column.VectorKind.Scalar && label.IsKey;
        if (!fits) throw new ArgumentOutOfRangeException(nameof(inputSchema), LabelTypeMessage($"{label.ItemType}"));
        // The key count is not part of a SchemaShape; the Score width is only known from the data.
        return SchemaShapeShim.Append(inputSchema, GptClassificationTransformer.OutputSchema(_binary, 2, null));
    }

    // The class count, after checking both columns.
    private int CheckColumns(DataViewSchema schema, string role)
    {
        ColumnChecks.RequireTokenKeys(schema, _options.TokenColumnName, role + " token");
        var label = schema.GetColumnOrNull(_options.LabelColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{_options.LabelColumnName}' was not found in the {role} data.");
        if (_binary && label.Type is BooleanDataViewType) return 2;
        if (!_binary && label.Type is KeyDataViewType key && key.Count >= 2 && key.Count <= int.MaxValue / 2) return (int)key.Count;
        throw new ArgumentOutOfRangeException(nameof(schema), LabelTypeMessage($"{label.Type}"));
    }

    private string LabelTypeMessage(string actual) => _binary
        ? $"Label column '{_options.LabelColumnName}' must be Boolean for binary classification, but is {actual}."
        : $"Label column '{_options.LabelColumnName}' must be a key of at least 2 classes (use MapValueToKey), but is {actual}.";

    private TokenKeyMap WarmStartMap(LanguageModelTransformer initial, int keyCount)
    {
        if (initial.Model is not GptLanguageModel)
            throw new ArgumentException($"The initial model is a {initial.Model.GetType().Name}, not a GPT model.", nameof(GptClassifierOptions.InitialModel));
        if (initial.Model.Vocabulary.ConditionKeyCount != 0)
            throw new ArgumentException("The initial model is conditional; a classifier starts from an unconditional language model.", nameof(GptClassifierOptions.InitialModel));
        if (initial.KeyCount != keyCount)
            throw new ArgumentException(
                $"The initial model reads {initial.KeyCount} token keys, but column '{_options.TokenColumnName}' has {keyCount}: tokenize with the same tokenizer.",
                nameof(GptClassifierOptions.InitialModel));
        return initial.KeyMap.WithPolicy(_options.UnseenKeys);
    }

    private static int KeyCount(DataViewType type) => checked((int)((KeyDataViewType)((VectorDataViewType)type).ItemType).Count);
}
