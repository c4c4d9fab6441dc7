using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Data;
using ArML.Persistence;
using ArML.Schema;
using ArML.Text;
using ArML.Trainers.Generation;

namespace ArML.Trainers;

/// <summary>
/// A trained language model as an ML.NET transformer: scores each row of a token column and samples new text. Every
/// ArML family (GPT, LSTM/GRU, the linear baseline) is served by it through <see cref="IAutoregressiveScorer"/>.
/// </summary>
/// <remarks>
/// | Column | Type | Meaning |
/// |---|---|---|
/// | LogLikelihood | Double | natural-log probability of the row's tokens and of its end (see <see cref="IAutoregressiveScorer"/>) |
/// | TokenCount | Int32 | predicted tokens: row length + 1 |
/// | Perplexity | Double | exp(−LogLikelihood / TokenCount) |
/// | TokenLogProbabilities | Vector&lt;Double&gt; | optional: each predicted token's log-probability, in order |
/// | Score | Single | with <see cref="AnomalyScoring"/>: surprisal, higher = more unusual (see <see cref="AnomalyScoreKind"/>) |
/// | PredictedLabel | Boolean | with <see cref="AnomalyScoring"/>: Score above its threshold |
/// | TokenSurprisals | Vector&lt;Double&gt; | with the token diagnostics: each predicted token's −log p, in order |
/// | TokenRanks | Vector&lt;Int32&gt; | with the token diagnostics: each true token's rank under the model (1 = most probable) |
/// | TopGMisses | Int32 | with the token diagnostics: tokens whose rank is above TopG (DeepLog's rule) |
///
/// Score and PredictedLabel are what <c>mlContext.AnomalyDetection.Evaluate</c> reads; add them with the trainers'
/// <c>AnomalyScoring</c> option or <see cref="WithAnomalyScoring(IDataView, LanguageModelAnomalyOptions?)"/>, and map the
/// per-token surprisals back to the text with <see cref="SurprisalSpans"/>.
///
/// Rows longer than a windowed model's context are scored with a sliding window (<see cref="ScoringStride"/>);
/// recurrent models read every row whole, carrying their state. Scoring is lazy
/// and batched (<see cref="ScoringBatchSize"/> rows per forward pass), and safe with concurrent cursors.
/// The transformer owns native memory: dispose it when done. Save with <c>mlContext.Model.SaveArml</c>.
/// </remarks>
public sealed class LanguageModelTransformer : RowMappingTransformer, IArmlPersistable, IDisposable
{
    private readonly bool _ownsModel;

    internal LanguageModelTransformer(IAutoregressiveScorer model, LanguageModelColumns columns, IReadOnlyList<string>? vocabulary,
        int scoringBatchSize, int scoringStride, TokenKeyMap? keyMap = null, ITokenCodec? codec = null, bool ownsModel = true,
        LanguageModelAnomalyScoring? anomalyScoring = null, GenerationSeedSource? shortcutSeeds = null)
    {
        // Without a map, keys are read one to one (a model built without a compact vocabulary).
        keyMap ??= TokenKeyMap.Identity(model.Vocabulary.TokenKeyCount);
        if (keyMap.TokenCount != model.Vocabulary.TokenKeyCount || (keyMap.UnknownId >= 0) != model.Vocabulary.HasUnknown)
            throw new ArgumentException(
                $"The key map gives {keyMap.TokenCount} token ids but the model has {model.Vocabulary.TokenKeyCount} ({model.Vocabulary}).", nameof(keyMap));
        if (vocabulary != null && vocabulary.Count != keyMap.ColumnKeyCount)
            throw new ArgumentException($"{vocabulary.Count} key values were given for a column of {keyMap.ColumnKeyCount} keys.", nameof(vocabulary));
        _ownsModel = ownsModel;
        Model = model;
        Columns = columns;
        Vocabulary = vocabulary;
        KeyMap = keyMap;
        Codec = codec ?? (vocabulary != null ? CharacterKeysCodec.FromKeyValues(vocabulary) : null);
        ScoringBatchSize = scoringBatchSize;
        ScoringStride = scoringStride;
        AnomalyScoring = anomalyScoring?.Checked(nameof(anomalyScoring));
        ShortcutSeeds = shortcutSeeds;
    }

    /// <summary>The columns read and the optional columns written.</summary>
    public LanguageModelColumns Columns { get; }

    /// <summary>The token column read.</summary>
    public string TokenColumnName => Columns.TokenColumnName;

    /// <summary>Key count of the token column the model was trained on; scored columns must match it.</summary>
    public int KeyCount => KeyMap.ColumnKeyCount;

    /// <summary>
    /// How the token column's keys become the model's token ids: the keys seen in training, then the unknown token that
    /// every other key is scored as (see <see cref="TokenKeyMap"/>).
    /// </summary>
    internal TokenKeyMap KeyMap { get; }

    /// <summary>The network and its scoring and sampling operations (a <see cref="Gpt.GptLanguageModel"/>, for instance).</summary>
    public IAutoregressiveScorer Model { get; }

    /// <summary>The token column's key values at training time (null when it had none).</summary>
    public IReadOnlyList<string>? Vocabulary { get; }

    /// <summary>
    /// Turns text into ids and back: the tokenizer's own codec when the token column carried it at training time
    /// (exact for every ArML tokenizer), else one over <see cref="Vocabulary"/> (exact for character vocabularies),
    /// or null. <c>SaveArml</c> saves an ArML tokenizer's codec with the model, so a loaded model encodes as it did.
    /// </summary>
    public ITokenCodec? Codec { get; }

    /// <summary>Rows scored per forward pass.</summary>
    public int ScoringBatchSize { get; }

    /// <summary>Sliding-window step for rows longer than the context (<see cref="int.MaxValue"/> for recurrent models, whose context is unbounded).</summary>
    public int ScoringStride { get; }

    /// <summary>
    /// The same model scoring with another sliding-window stride: every token is still scored exactly once, with at
    /// least ContextLength − <paramref name="stride"/> tokens of left context after a row's first window, so stride 1
    /// gives every token the longest context the model has (and costs one forward pass per token of a long row).
    /// </summary>
    /// <remarks>
    /// The copy shares this transformer's network: it stays valid while this transformer is undisposed, and
    /// disposing the copy does not release the network. Saving the copy saves its stride.
    /// </remarks>
    /// <param name="stride">Window step, 1 to the model's context length.</param>
    /// <exception cref="ArgumentOutOfRangeException">The stride is outside 1..ContextLength.</exception>
    public LanguageModelTransformer WithScoringStride(int stride)
    {
        if (stride < 1 || stride > Model.ContextLength)
            throw new ArgumentOutOfRangeException(nameof(stride), $"Stride must be in 1..{Model.ContextLength} (the context length), but is {stride}.");
        return new LanguageModelTransformer(Model, Columns, Vocabulary, ScoringBatchSize, stride, KeyMap, Codec, ownsModel: false, AnomalyScoring, ShortcutSeeds);
    }

    /// <summary>The anomaly settings (Score, PredictedLabel and the token diagnostics are added), or null (they are not).</summary>
    public LanguageModelAnomalyScoring? AnomalyScoring { get; }

    /// <summary>
    /// The same model adding the anomaly columns, with the threshold placed at
    /// <see cref="LanguageModelAnomalyOptions.ThresholdQuantile"/> of the scores of <paramref name="referenceData"/>'s
    /// rows (ordinary rows, such as the training or validation rows). Shares the network as <see cref="WithScoringStride"/> does.
    /// </summary>
    /// <param name="referenceData">Rows with the token column (and condition column) the model reads.</param>
    /// <param name="options">Score kind, quantile and diagnostics; null for the defaults (its ReferenceSet is not read).</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="referenceData"/> has no rows.</exception>
    public LanguageModelTransformer WithAnomalyScoring(IDataView referenceData, LanguageModelAnomalyOptions? options = null) =>
        WithAnomalyScoring(AnomalyThreshold.Fit(WithAnomalyScoring, referenceData, options ?? new()));

    /// <summary>
    /// The same model with the given anomaly settings (a chosen threshold, for instance), or without anomaly columns
    /// when <paramref name="scoring"/> is null. Shares the network as <see cref="WithScoringStride"/> does.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The threshold is not finite or TopG is below 1.</exception>
    public LanguageModelTransformer WithAnomalyScoring(LanguageModelAnomalyScoring? scoring) =>
        new(Model, Columns, Vocabulary, ScoringBatchSize, ScoringStride, KeyMap, Codec, ownsModel: false, scoring, ShortcutSeeds);

    /// <summary>The same columns, vocabulary and scoring settings over another network, which the copy owns.</summary>
    internal LanguageModelTransformer WithModel(IAutoregressiveScorer model) =>
        new(model, Columns, Vocabulary, ScoringBatchSize, ScoringStride, KeyMap, Codec, ownsModel: true, AnomalyScoring);

    /// <summary>For trainers: this freshly fitted model, now owned by the returned copy, with anomaly scoring fitted on <paramref name="referenceData"/> when asked.</summary>
    internal LanguageModelTransformer WithFittedAnomalyScoring(LanguageModelAnomalyOptions? options, IDataView referenceData)
    {
        if (options is null) return this;
        LanguageModelAnomalyScoring scoring;
        try
        {
            scoring = AnomalyThreshold.Fit(WithAnomalyScoring, referenceData, options);
        }
        catch
        {
            Dispose();   // the trainer hands out no model when this fails
            throw;
        }
        return new LanguageModelTransformer(Model, Columns, Vocabulary, ScoringBatchSize, ScoringStride, KeyMap, Codec, _ownsModel, scoring, ShortcutSeeds);
    }

    /// <inheritdoc/>
    internal override BatchRowMapper CreateMapper(DataViewSchema inputSchema)
    {
        var column = ColumnChecks.RequireTokenKeys(inputSchema, TokenColumnName);
        ulong count = ((KeyDataViewType)((VectorDataViewType)column.Type).ItemType).Count;
        if (count != (ulong)KeyCount)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Column '{TokenColumnName}' has key count {count}, but the model was trained on key count {KeyCount}: tokenize with the same tokenizer.");
        DataViewSchema.Column? condition = null;
        if (Columns.ConditionColumnName is string name)
        {
            int conditionKeys = LanguageModelScoringMapper.ConditionKeyCount(inputSchema, name);
            if (conditionKeys != Model.Vocabulary.ConditionKeyCount)
                throw new ArgumentOutOfRangeException(nameof(inputSchema),
                    $"Condition column '{name}' has key count {conditionKeys}, but the model was trained on {Model.Vocabulary.ConditionKeyCount}.");
            condition = inputSchema[name];
        }
        return new LanguageModelScoringMapper(inputSchema, column, condition, Model, KeyMap, Columns.TokenLogProbabilities, ScoringBatchSize, ScoringStride,
            AnomalyScoring);
    }

    /// <summary>
    /// Samples text after <paramref name="prompt"/> (empty: from the start of a row) until the model ends the row or
    /// <paramref name="maxNewTokens"/> tokens. Temperature 0 is greedy. Returns the continuation only. A conditional
    /// model takes the condition's ids (key − 1). A shortcut for <c>mlContext.LanguageModeling().CreateTextGenerator</c>
    /// with these options: a <paramref name="seed"/> gives the same text as that generator with <see cref="GenerationOptions.Seed"/>.
    /// </summary>
    /// <remarks>
    /// Without a seed, each call takes the next seed of a series drawn from the MLContext that made this transformer
    /// (the trainer's at <c>Fit</c>, the catalog's at <c>LoadHuggingFace</c> or <c>LoadArpa</c>, the one given to
    /// <c>LoadArml</c> through <see cref="ArML.Persistence.ArmlLoadContext.For"/>): successive calls differ, and a context
    /// created with the same seed gives the same sequence of texts in every run. Copies made by the <c>With…</c> methods
    /// continue the same series. A transformer loaded without a context draws a fresh seed per call.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The training column had no key values to decode with.</exception>
    /// <exception cref="NotSupportedException">The model cannot be decoded step by step.</exception>
    public string Generate(string prompt = "", int maxNewTokens = 200, double temperature = 1.0, int? seed = null, IReadOnlyList<int>? condition = null) =>
        GenerationShortcut.Generate(StepModel, KeyMap, Codec, TokenColumnName, prompt, maxNewTokens, temperature, seed, ShortcutSeeds, condition);

    /// <summary>
    /// Samples token ids (zero-based, as key − 1) after <paramref name="promptIds"/>, as <see cref="Generate"/> does, with
    /// the same seeding (its remarks). Prompt keys the model never saw are read as its unknown token (see
    /// <see cref="KeyMap"/>); only keys seen in training are drawn.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A prompt id is outside the column's keys, or another argument is out of range.</exception>
    /// <exception cref="NotSupportedException">The model cannot be decoded step by step.</exception>
    public int[] GenerateTokens(IReadOnlyList<int> promptIds, int maxNewTokens = 200, double temperature = 1.0, int? seed = null,
        IReadOnlyList<int>? condition = null) =>
        GenerationShortcut.GenerateTokens(StepModel, KeyMap, promptIds, maxNewTokens, temperature, seed, ShortcutSeeds, condition);

    /// <summary>Where the shortcuts take a seed when given none (null: a fresh one per call).</summary>
    internal GenerationSeedSource? ShortcutSeeds { get; }

    /// <summary>The model as generation decodes it.</summary>
    internal IStepDecodingModel StepModel => Model as IStepDecodingModel
        ?? throw new NotSupportedException($"{Model.GetType().Name} cannot be decoded step by step (it does not implement IStepDecodingModel).");

    /// <summary>
    /// A codec over the model's token ids (those <see cref="Model"/> and step-by-step generation use) made from
    /// <paramref name="columnCodec"/>, a codec over the token column's ids (key − 1), such as <see cref="Codec"/>.
    /// </summary>
    public ITokenCodec ModelIdCodec(ITokenCodec columnCodec) => KeyMappedCodec.Over(columnCodec, KeyMap);

    /// <inheritdoc/>
    public string ArmlKind => Model.ArmlKind;

    /// <inheritdoc/>
    public int ArmlKindVersion => Model.ArmlKindVersion;

    /// <inheritdoc/>
    public void SaveArml(ArmlComponentWriter writer)
    {
        Model.SaveArml(writer, this);
        TokenCodecStore.Save(Codec, writer);
        LanguageModelAnomalyScoring.Save(AnomalyScoring, writer);
    }

    /// <summary>Releases the network's native memory, unless this transformer shares it (<see cref="WithScoringStride"/>).</summary>
    public void Dispose()
    {
        if (_ownsModel) Model.Dispose();
    }
}
