using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Data;
using ArML.Persistence;
using ArML.Schema;
using ArML.Text;

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
    private readonly int[] _wordToKey;
    private readonly int[] _wordOfModelId;

    internal NGramTransformer(string tokenColumnName, int keyCount, IReadOnlyList<string>? vocabulary, NGramLanguageModel model, int scoringBatchSize,
        ITokenCodec? codec = null, UnseenKeyPolicy unseenKeys = UnseenKeyPolicy.ScoreAsUnknown)
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
        var spelled = ArpaWords.OfKeys(keyCount, Vocabulary, tokenColumnName);
        var wordIds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int w = 0; w < model.VocabularySize; w++) wordIds[model.Words[w]] = w;
        _keyToWord = new int[keyCount];
        _wordToKey = Enumerable.Repeat(-1, model.VocabularySize).ToArray();
        for (int id = 0; id < keyCount; id++)
        {
            _keyToWord[id] = wordIds.GetValueOrDefault(spelled[id], NGramLanguageModel.UnknownWordId);
            if (_keyToWord[id] != NGramLanguageModel.UnknownWordId || spelled[id] == ArpaWords.Unknown) _wordToKey[_keyToWord[id]] = id;
        }
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
        return new NGramScoringMapper(inputSchema, column, Model, KeyMap, _wordOfModelId, ScoringBatchSize);
    }

    /// <summary>
    /// Samples text after <paramref name="prompt"/> (empty: from the start of a row) until the model ends the row or
    /// <paramref name="maxNewTokens"/> tokens. Temperature 0 is greedy. Returns the continuation only.
    /// </summary>
    /// <exception cref="InvalidOperationException">The token column had no key values to decode with.</exception>
    public string Generate(string prompt = "", int maxNewTokens = 200, double temperature = 1.0, int? seed = null)
    {
        var codec = Codec ?? throw new InvalidOperationException(
            $"Column '{TokenColumnName}' had no key values, so ids cannot be turned into text; use GenerateTokens.");
        var ids = new List<int>();
        codec.Encode(prompt, ids);
        return codec.Decode(GenerateTokens(ids, maxNewTokens, temperature, seed));
    }

    /// <summary>
    /// Samples token ids (zero-based, as key − 1) after <paramref name="promptIds"/>. The model's state follows the
    /// prompt and then each drawn token; only keys the model knows are drawn, never &lt;unk&gt;.
    /// </summary>
    public int[] GenerateTokens(IReadOnlyList<int> promptIds, int maxNewTokens = 200, double temperature = 1.0, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(promptIds);
        return NGramSampler.Sample(Model, _wordToKey, _keyToWord, promptIds, maxNewTokens, temperature, seed ?? Random.Shared.Next());
    }

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
