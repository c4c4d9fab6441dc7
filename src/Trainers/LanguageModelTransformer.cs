using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Data;
using ArML.Persistence;
using ArML.Schema;
using ArML.Text;

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
        int scoringBatchSize, int scoringStride, TokenKeyMap? keyMap = null, ITokenCodec? codec = null, bool ownsModel = true)
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
    public TokenKeyMap KeyMap { get; }

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
        return new LanguageModelTransformer(Model, Columns, Vocabulary, ScoringBatchSize, stride, KeyMap, Codec, ownsModel: false);
    }

    /// <inheritdoc/>
    public override BatchRowMapper CreateMapper(DataViewSchema inputSchema)
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
        return new LanguageModelScoringMapper(inputSchema, column, condition, Model, KeyMap, Columns.TokenLogProbabilities, ScoringBatchSize, ScoringStride);
    }

    /// <summary>
    /// Samples text after <paramref name="prompt"/> (empty: from the start of a row) until the model ends the row or
    /// <paramref name="maxNewTokens"/> tokens. Temperature 0 is greedy. Returns the continuation only. A conditional
    /// model takes the condition's ids (key − 1).
    /// </summary>
    /// <exception cref="InvalidOperationException">The training column had no key values to decode with.</exception>
    public string Generate(string prompt = "", int maxNewTokens = 200, double temperature = 1.0, int? seed = null, IReadOnlyList<int>? condition = null)
    {
        var codec = Codec ?? throw new InvalidOperationException(
            $"Column '{TokenColumnName}' had no key values when the model was trained, so ids cannot be turned into text; use GenerateTokens.");
        var ids = new List<int>();
        codec.Encode(prompt, ids);
        return codec.Decode(GenerateTokens(ids, maxNewTokens, temperature, seed, condition));
    }

    /// <summary>
    /// Samples token ids (zero-based, as key − 1) after <paramref name="promptIds"/>. Prompt keys the model never saw
    /// are read as its unknown token (see <see cref="KeyMap"/>); only keys seen in training are drawn.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A prompt id is outside the column's keys, or another argument is out of range.</exception>
    public int[] GenerateTokens(IReadOnlyList<int> promptIds, int maxNewTokens = 200, double temperature = 1.0, int? seed = null,
        IReadOnlyList<int>? condition = null)
    {
        ArgumentNullException.ThrowIfNull(promptIds);
        var modelIds = new int[promptIds.Count];
        for (int i = 0; i < modelIds.Length; i++)
        {
            if (promptIds[i] < 0 || promptIds[i] >= KeyCount)
                throw new ArgumentOutOfRangeException(nameof(promptIds), $"Token id {promptIds[i]} at position {i} is outside the column's keys (0..{KeyCount - 1}).");
            if (!KeyMap.TryToModelIdOrUnknown(promptIds[i], out modelIds[i]))
                throw new ArgumentOutOfRangeException(nameof(promptIds),
                    $"Token id {promptIds[i]} (key {promptIds[i] + 1L}) at position {i} never occurred in the model's training data and UnseenKeys is {KeyMap.Policy}.");
        }
        var generated = Model.Sample(modelIds, maxNewTokens, temperature, seed ?? Random.Shared.Next(), condition);
        for (int i = 0; i < generated.Length; i++) generated[i] = KeyMap.ToColumnId(generated[i]);
        return generated;
    }

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
    }

    /// <summary>Releases the network's native memory, unless this transformer shares it (<see cref="WithScoringStride"/>).</summary>
    public void Dispose()
    {
        if (_ownsModel) Model.Dispose();
    }
}
