using System.Globalization;
using ArML.Data;
using ArML.Schema;
using ArML.Torch;
using ArML.Trainers.Gpt;
using ArML.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace ArML.Trainers.Preference;

/// <summary>
/// Direct Preference Optimization of a GPT language model: from rows of a prompt x, a chosen response y_w and a rejected
/// response y_l, minimises −log σ(β[(log π(y_w|x) − log π_ref(y_w|x)) − (log π(y_l|x) − log π_ref(y_l|x))]), where
/// log π(y|x) sums the log-probabilities of the response's tokens and of its end (the prompt's are masked) and π_ref is a
/// frozen reference. Create it with <c>mlContext.LanguageModeling().Trainers.Dpo</c>.
/// </summary>
/// <remarks>
/// | Column | Type | Role |
/// |---|---|---|
/// | <see cref="DpoOptions.PromptColumnName"/> | Vector&lt;Key&gt; | input: the prompt's tokens (may be empty) |
/// | <see cref="DpoOptions.ChosenColumnName"/> | Vector&lt;Key&gt; | input: the preferred response's tokens |
/// | <see cref="DpoOptions.RejectedColumnName"/> | Vector&lt;Key&gt; | input: the dispreferred response's tokens |
/// | LogLikelihood, TokenCount, Perplexity | see <see cref="LanguageModelTransformer"/> | output: the tuned model scores the initial model's token column |
///
/// The three columns come from the tokenizer of <see cref="DpoOptions.InitialModel"/> (one tokenizer step per column).
/// Each response is framed after its prompt as ArML frames a row, <c>SEP x y SEP</c>, so what is tuned is exactly what
/// <see cref="LanguageModelTransformer.Generate"/> samples after the prompt, its end included. A prompt too long for the
/// context keeps its last tokens (the log says how many were cut); a response that does not fit is an error.
/// The reference's log-probabilities are computed once per row before training (it is frozen, so it never runs again).
/// With <see cref="DpoOptions.Adapter"/> only LoRA adapters train over the frozen initial weights, which are then the default reference.
/// The result is a GPT <see cref="LanguageModelTransformer"/> with the initial model's tokenizer, columns and scoring
/// settings, which scores, generates and saves like any other.
/// The loop (AdamW, warm-up and cosine decay, clipping, validation on the DPO loss, early stopping, checkpoints and
/// resuming) is the shared <see cref="TrainingLoop"/>, with rows in place of tokens; preference accuracy, reward margin
/// and a KL estimate are reported as <see cref="DpoProgress"/> on <c>MLContext.Log</c> and
/// <see cref="DpoOptions.PreferenceProgress"/>, and <see cref="Evaluate"/> measures them on any rows.
/// Seeded from <see cref="TrainerOptionsBase.Seed"/> or the MLContext's seed.
/// </remarks>
public sealed class DpoTrainer : IEstimator<LanguageModelTransformer>, IChainValidatedTrainer
{
    private readonly MLContext _context;
    private readonly DpoOptions _options;

    internal DpoTrainer(MLContext context, DpoOptions options)
    {
        options.Validate();
        _context = context;
        _options = options;
        _ = Gpt(options.InitialModel!, nameof(DpoOptions.InitialModel));
        if (options.ReferenceModel is { } reference) CheckSameVocabulary(reference);
    }

    private LanguageModelTransformer Initial => _options.InitialModel!;

    private LanguageModelTransformer Reference => _options.ReferenceModel ?? Initial;

    TrainerOptionsBase IChainValidatedTrainer.TrainingOptions => _options;

    /// <summary>Tunes a copy of the initial model on the preference rows of <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or not a vector of keys (it is named).</exception>
    /// <exception cref="ArgumentException">A column's key count differs from the model's (it is named).</exception>
    /// <exception cref="InvalidDataException">A response is empty or longer than the context, or a key has no id (the row and column are named).</exception>
    /// <exception cref="InvalidOperationException">The data has no rows, or training diverged.</exception>
    public LanguageModelTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckColumns(input.Schema, "training");
        ChainValidation.Check(this, _options.PromptColumnName, _options.ChosenColumnName, _options.RejectedColumnName);
        TorchRuntime.EnsureInitialized();
        using var host = ArmlHost.Create(_context, nameof(DpoTrainer));
        var initial = Gpt(Initial, nameof(DpoOptions.InitialModel));
        var map = Initial.KeyMap.WithPolicy(_options.UnseenKeys);
        int context = Math.Min(initial.ContextLength, Gpt(Reference, nameof(DpoOptions.ReferenceModel)).ContextLength);
        var train = PreferenceRows.Read(input, _options, map, initial.Vocabulary, context);
        if (train.Count == 0) throw new InvalidOperationException("The training data has no rows.");
        var validation = ChainValidation.Read(this, input, view =>
        {
            CheckColumns(view.Schema, "validation");
            return PreferenceRows.Read(view, _options, map, initial.Vocabulary, context);
        });
        host.Info(string.Create(CultureInfo.InvariantCulture,
            $"DPO: {train.Count} training rows, {validation?.Count ?? 0} validation rows; {train.TrimmedPrompts + (validation?.TrimmedPrompts ?? 0)} " +
            $"sequences kept only the last tokens of their prompt to fit the context of {context}."));
        var reference = Gpt(Reference, nameof(DpoOptions.ReferenceModel));
        train.ScoreReference(reference);
        validation?.ScoreReference(reference);

        int seed = _options.Seed ?? host.NextSeed();
        var device = TorchRuntime.SelectDevice(_context);
        torch.manual_seed(seed);   // dropout draws from the process-wide generator
        var policy = CreatePolicy(initial, seed);
        try
        {
            policy.to(device);
            var task = new DpoTrainingTask(policy, train, validation, _options, host, seed, device);
            var fingerprint = new TrainingFingerprint()
                .With("model", new { policy.Config, initial.Vocabulary, _options.Beta })
                .With("initial weights", () => WeightsHash(initial))
                .With("training data", () => train.Fingerprint())
                .With("validation", () => validation is null ? null : new { data = validation.Fingerprint(), _options.EvaluationBatches });
            // A part only for adapter runs, so checkpoints of runs without adapters keep the fingerprint they were saved with.
            if (policy.Adapter is { } adapter) fingerprint.With("adapter", adapter);
            TrainingLoop.Run(task, _options, host, seed, fingerprint);
        }
        catch
        {
            policy.Dispose();
            throw;
        }
        return new LanguageModelTransformer(new GptLanguageModel(policy, initial.Vocabulary, device), Initial.Columns, Initial.Vocabulary,
            Initial.ScoringBatchSize, Initial.ScoringStride, map, Initial.Codec);
    }

    /// <summary>
    /// Preference accuracy, reward margins and the KL estimate of <paramref name="model"/> (the tuned model, or any GPT
    /// with the initial model's vocabulary) against this trainer's reference, over every row of <paramref name="data"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or not a vector of keys (it is named).</exception>
    /// <exception cref="ArgumentException">The model is not a GPT with the initial model's vocabulary.</exception>
    /// <exception cref="InvalidDataException">A response is empty or too long, or a key has no id (the row and column are named).</exception>
    public DpoMetrics Evaluate(LanguageModelTransformer model, IDataView data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        CheckSameVocabulary(model, nameof(model));
        CheckColumns(data.Schema, "evaluation");
        TorchRuntime.EnsureInitialized();
        var policy = Gpt(model, nameof(model));
        var reference = Gpt(Reference, nameof(DpoOptions.ReferenceModel));
        var rows = PreferenceRows.Read(data, _options, Initial.KeyMap.WithPolicy(_options.UnseenKeys), policy.Vocabulary,
            Math.Min(policy.ContextLength, reference.ContextLength));
        rows.ScoreReference(reference);
        var chosen = new double[rows.Count];
        var rejected = new double[rows.Count];
        PreferenceRows.ScoreResponses(policy, rows.Chosen, rows.ChosenStarts, chosen);
        PreferenceRows.ScoreResponses(policy, rows.Rejected, rows.RejectedStarts, rejected);
        return DpoMetrics.From(_options.Beta, chosen, rejected, rows.ReferenceChosen, rows.ReferenceRejected);
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ColumnChecks.RequireTokenKeys(inputSchema, _options.PromptColumnName, "prompt token");
        ColumnChecks.RequireTokenKeys(inputSchema, _options.ChosenColumnName, "chosen token");
        ColumnChecks.RequireTokenKeys(inputSchema, _options.RejectedColumnName, "rejected token");
        return SchemaShapeShim.Append(inputSchema, LanguageModelScoringMapper.ScoreColumnsSchema(Initial.Columns.TokenLogProbabilities));
    }

    // The network to train: a copy of the initial weights (its own adapters folded in), with fresh adapters over them when
    // asked (the base frozen): the training task trains whatever parameters of the returned module require gradients.
    private GptModel CreatePolicy(GptLanguageModel initial, int seed)
    {
        var policy = new GptModel(initial.Model.Config with { Dropout = _options.Dropout }, seed);
        try
        {
            ModuleWeights.Import(policy, initial.Model.MergedWeights().ToDictionary(kv => kv.Key, kv => kv.Value));
            if (_options.Adapter?.ToConfig() is { } adapter) policy.AddAdapters(adapter, seed);
        }
        catch
        {
            policy.Dispose();
            throw;
        }
        return policy;
    }

    private static string WeightsHash(GptLanguageModel model)
    {
        using var hash = new ContentHash();
        foreach (var (name, tensor) in ModuleWeights.Export(model.Model))
        {
            hash.Append(name.Length);
            hash.Append<char>(name.AsSpan());
            hash.Append<byte>(tensor.Data);
        }
        return hash.Finish();
    }

    private void CheckColumns(DataViewSchema schema, string role)
    {
        foreach (var (name, what) in new[] { (_options.PromptColumnName, "prompt"), (_options.ChosenColumnName, "chosen"), (_options.RejectedColumnName, "rejected") })
        {
            var column = ColumnChecks.RequireTokenKeys(schema, name, $"{role} {what} token");
            ulong keys = ((KeyDataViewType)((VectorDataViewType)column.Type).ItemType).Count;
            if (keys != (ulong)Initial.KeyCount)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Column '{name}' ({role} {what} tokens) has {keys} keys, but the initial model reads {Initial.KeyCount}: tokenize every column with the model's tokenizer."));
        }
    }

    // A model compared with the initial one must read keys as it does and have its id layout, so their log-probabilities are of the same ids.
    private void CheckSameVocabulary(LanguageModelTransformer other, string parameter = nameof(DpoOptions.ReferenceModel))
    {
        var gpt = Gpt(other, parameter);
        var mine = Initial.KeyMap;
        bool same = gpt.Vocabulary == Gpt(Initial, nameof(DpoOptions.InitialModel)).Vocabulary && other.KeyMap.ColumnKeyCount == mine.ColumnKeyCount
            && Enumerable.Range(0, mine.TokenCount).All(id => other.KeyMap.ToColumnId(id) == mine.ToColumnId(id));
        if (!same)
            throw new ArgumentException($"The {parameter} has another vocabulary ({gpt.Vocabulary}, {other.KeyCount} keys) than the initial model " +
                $"({Gpt(Initial, nameof(DpoOptions.InitialModel)).Vocabulary}, {Initial.KeyCount} keys): DPO compares both on the same token ids.", parameter);
    }

    private static GptLanguageModel Gpt(LanguageModelTransformer model, string parameter)
    {
        var gpt = model.Model as GptLanguageModel
            ?? throw new ArgumentException($"The {parameter} is a {model.Model.GetType().Name}, not a GPT model.", parameter);
        if (gpt.Vocabulary.ConditionKeyCount != 0)
            throw new ArgumentException($"The {parameter} is conditional; DPO tunes an unconditional language model (the prompt plays the condition's part).", parameter);
        return gpt;
    }
}
