using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Data;
using ArML.Persistence;
using ArML.Schema;
using ArML.Text;
using ArML.Trainers.Generation;

namespace ArML.Trainers.NGram;

/// <summary>
/// An n-gram language model as an ML.NET transformer: scores each row of a token column as one sentence, samples
/// new text, and exports the model as an ARPA file.
/// </summary>
/// <remarks>
/// | Column | Type | Meaning |
/// |---|---|---|
/// | LogLikelihood | Double | natural-log probability of the row's tokens and of its end |
/// | TokenCount | Int32 | predicted tokens: row length + 1 |
/// | Perplexity | Double | exp(−LogLikelihood / TokenCount) |
/// | Score, PredictedLabel, TokenSurprisals, TokenRanks, TopGMisses | | with <see cref="AnomalyScoring"/>, as for <see cref="LanguageModelTransformer"/> |
///
/// A row t₁…tₙ is scored as KenLM's <c>query</c> scores the sentence &lt;s&gt; t₁…tₙ &lt;/s&gt;: &lt;s&gt; is context only, t₁…tₙ
/// and &lt;/s&gt; are predicted (the same framing as ArML's GPT scorer, whose separator plays both roles). Keys map to model
/// words by their ARPA spelling (<see cref="ArpaWords"/>); a key the model never saw — including the tokenizer's own
/// "&lt;unk&gt;" key — is scored as p(&lt;unk&gt;). Scoring is lazy, batched and thread-safe; the model is immutable.
/// Save with <c>mlContext.Model.SaveArml</c>; export with <see cref="ExportArpa(string)"/>.
/// </remarks>
public sealed class NGramTransformer : RowMappingTransformer, IArmlPersistable
{
    private readonly int[] _keyToWord;
    private readonly int[] _wordOfModelId;

    internal NGramTransformer(string tokenColumnName, int keyCount, IReadOnlyList<string>? vocabulary, NGramLanguageModel model, int scoringBatchSize,
        ITokenCodec? codec = null, UnseenKeyPolicy unseenKeys = UnseenKeyPolicy.ScoreAsUnknown, LanguageModelAnomalyScoring? anomalyScoring = null,
        GenerationSeedSource? shortcutSeeds = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(tokenColumnName);
        ArgumentOutOfRangeException.ThrowIfLessThan(keyCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(scoringBatchSize, 1);
        TokenColumnName = tokenColumnName;
        KeyCount = keyCount;
        Vocabulary = vocabulary?.ToArray();
        Codec = codec ?? (Vocabulary != null ? CharacterKeysCodec.FromKeyValues(Vocabulary) : null);
        Model = model;
        ScoringBatchSize = scoringBatchSize;
        AnomalyScoring = anomalyScoring?.Checked(nameof(anomalyScoring));
        ShortcutSeeds = shortcutSeeds;
        var spelled = ArpaWords.OfKeys(keyCount, Vocabulary, tokenColumnName);
        var wordIds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int w = 0; w < model.VocabularySize; w++) wordIds[model.Words[w]] = w;
        _keyToWord = new int[keyCount];
        for (int id = 0; id < keyCount; id++) _keyToWord[id] = wordIds.GetValueOrDefault(spelled[id], NGramLanguageModel.UnknownWordId);
        MatchedKeys = _keyToWord.Count(w => w != NGramLanguageModel.UnknownWordId);
        // The keys that are model words (a key spelled <unk> is the model's own <unk>) read as themselves; every other
        // key, and the missing key, is an unseen key of the shared map: <unk>, or an error under its policy.
        var known = new List<int>();
        for (int id = 0; id < keyCount; id++)
            if (_keyToWord[id] != NGramLanguageModel.UnknownWordId || spelled[id] == ArpaWords.Unknown) known.Add(id + 1);
        KeyMap = TokenKeyMap.FromKeys(keyCount, known, unseenKeys);
        _wordOfModelId = new int[KeyMap.TokenCount];
        for (int i = 0; i < known.Count; i++) _wordOfModelId[i] = _keyToWord[known[i] - 1];
        _wordOfModelId[KeyMap.UnknownId] = NGramLanguageModel.UnknownWordId;
        DecodingModel = new NGramStepModel(model, _wordOfModelId, KeyMap.UnknownId);
    }

    /// <summary>Which keys are model words; the others (and the missing key) score as &lt;unk&gt; or throw, by its policy.</summary>
    internal TokenKeyMap KeyMap { get; }

    /// <summary>The token column read.</summary>
    public string TokenColumnName { get; }

    /// <summary>Key count of the token column; scored columns must match it.</summary>
    public int KeyCount { get; }

    /// <summary>The token column's key values (null when it has none); they spell the keys as model words.</summary>
    public IReadOnlyList<string>? Vocabulary { get; }

    /// <summary>
    /// Turns text into token ids and back: the tokenizer's own codec when the token column carried it (saved with the
    /// model), else one over <see cref="Vocabulary"/> (for ML.NET's character keys, through the characters themselves:
    /// <see cref="CharacterKeysCodec"/>), or null without either.
    /// </summary>
    public ITokenCodec? Codec { get; }

    /// <summary>The n-gram model.</summary>
    public NGramLanguageModel Model { get; }

    /// <summary>Keys that are model words other than &lt;unk&gt; (the others score as &lt;unk&gt;).</summary>
    public int MatchedKeys { get; }

    /// <summary>Rows scored per batch.</summary>
    public int ScoringBatchSize { get; }

    /// <summary>The anomaly settings (Score, PredictedLabel and the token diagnostics are added), or null (they are not).</summary>
    public LanguageModelAnomalyScoring? AnomalyScoring { get; }

    /// <summary>
    /// The same model adding the anomaly columns, with the threshold placed at
    /// <see cref="LanguageModelAnomalyOptions.ThresholdQuantile"/> of the scores of <paramref name="referenceData"/>'s
    /// rows (ordinary rows the model was not trained on, preferably). The model is shared, not copied.
    /// </summary>
    /// <param name="referenceData">Rows with the token column.</param>
    /// <param name="options">Score kind, quantile and diagnostics; null for the defaults (its ReferenceSet is not read).</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="referenceData"/> has no rows.</exception>
    public NGramTransformer WithAnomalyScoring(IDataView referenceData, LanguageModelAnomalyOptions? options = null) =>
        WithAnomalyScoring(AnomalyThreshold.Fit(WithAnomalyScoring, referenceData, options ?? new()));

    /// <summary>The same model with the given anomaly settings, or without anomaly columns when <paramref name="scoring"/> is null.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The threshold is not finite or TopG is below 1.</exception>
    public NGramTransformer WithAnomalyScoring(LanguageModelAnomalyScoring? scoring) =>
        new(TokenColumnName, KeyCount, Vocabulary, Model, ScoringBatchSize, Codec, KeyMap.Policy, scoring, ShortcutSeeds);

    /// <summary>The model word that token id <paramref name="tokenId"/> (key − 1) is scored as.</summary>
    public int WordOfToken(int tokenId) => _keyToWord[tokenId];

    /// <inheritdoc/>
    internal override BatchRowMapper CreateMapper(DataViewSchema inputSchema)
    {
        var column = ColumnChecks.RequireTokenKeys(inputSchema, TokenColumnName);
        ulong count = ((KeyDataViewType)((VectorDataViewType)column.Type).ItemType).Count;
        if (count != (ulong)KeyCount)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Column '{TokenColumnName}' has key count {count}, but the n-gram model is bound to key count {KeyCount}: tokenize with the same tokenizer.");
        return new NGramScoringMapper(inputSchema, column, Model, KeyMap, _wordOfModelId, ScoringBatchSize, AnomalyScoring);
    }

    /// <summary>
    /// The model as generation decodes it, in the model ids of <see cref="KeyMap"/> (the end of the row after them):
    /// its state is the n-gram context, moved one word per step. <c>mlContext.LanguageModeling().CreateTextGenerator</c>
    /// and the generation transform find it in a pipeline; pass it to a <see cref="TokenGenerator"/> to work in ids.
    /// </summary>
    public IStepDecodingModel DecodingModel { get; }

    /// <summary>
    /// Samples text after <paramref name="prompt"/> (empty: from the start of a row) until the model ends the row or
    /// <paramref name="maxNewTokens"/> tokens. Temperature 0 is greedy. Returns the continuation only. A shortcut for
    /// <c>mlContext.LanguageModeling().CreateTextGenerator</c> with these options: a <paramref name="seed"/> gives the same
    /// text as that generator with <see cref="GenerationOptions.Seed"/>.
    /// </summary>
    /// <remarks>
    /// Without a seed, each call takes the next seed of a series drawn from the MLContext that made this transformer
    /// (the trainer's at <c>Fit</c>, the catalog's at <c>LoadArpa</c>, the one given to <c>LoadArml</c> through
    /// <see cref="ArML.Persistence.ArmlLoadContext.For"/>): successive calls differ, and a context created with the same
    /// seed gives the same sequence of texts in every run. <see cref="WithAnomalyScoring(LanguageModelAnomalyScoring?)"/>
    /// copies continue the same series. A transformer loaded without a context draws a fresh seed per call.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The token column had no key values to decode with.</exception>
    /// <exception cref="ArgumentException">The prompt holds a token the model never saw and <see cref="KeyMap"/>'s policy is Throw.</exception>
    public string Generate(string prompt = "", int maxNewTokens = 200, double temperature = 1.0, int? seed = null) =>
        GenerationShortcut.Generate(DecodingModel, KeyMap, Codec, TokenColumnName, prompt, maxNewTokens, temperature, seed, ShortcutSeeds, null);

    /// <summary>
    /// Samples token ids (zero-based, as key − 1) after <paramref name="promptIds"/>, as <see cref="Generate"/> does (with
    /// the same seeding). The
    /// model's state follows the prompt and then each drawn token; only keys the model knows are drawn, never &lt;unk&gt;.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A prompt id is outside the column's keys or, under UnseenKeys Throw, not a model word; or another argument is out of range.</exception>
    public int[] GenerateTokens(IReadOnlyList<int> promptIds, int maxNewTokens = 200, double temperature = 1.0, int? seed = null) =>
        GenerationShortcut.GenerateTokens(DecodingModel, KeyMap, promptIds, maxNewTokens, temperature, seed, ShortcutSeeds, null);

    /// <summary>Where the shortcuts take a seed when given none (null: a fresh one per call).</summary>
    internal GenerationSeedSource? ShortcutSeeds { get; }

    /// <summary>Writes the model as an ARPA file (readable by KenLM, SRILM and <c>LoadArpa</c>).</summary>
    public void ExportArpa(string path) => ArpaWriter.Write(Model, path);

    /// <summary>Writes the model as ARPA text.</summary>
    public void ExportArpa(TextWriter writer) => ArpaWriter.Write(Model, writer);

    /// <inheritdoc/>
    public string ArmlKind => NGramTransformerLoader.Kind;

    /// <inheritdoc/>
    public int ArmlKindVersion => LayoutVersions.NGramLanguageModel;

    /// <inheritdoc/>
    public void SaveArml(ArmlComponentWriter writer) => NGramTransformerLoader.Save(this, writer);
}
