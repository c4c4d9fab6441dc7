using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ArML.Transforms.Text.Encodings;
using Microsoft.ML.Tokenizers;

namespace ArML.Transforms.Text;

/// <summary>
/// A BPE vocabulary in Hugging Face's file layout (vocab.json + merges.txt), encoded by Microsoft.ML.Tokenizers'
/// <see cref="BpeTokenizer"/>. ArML's trained byte-level BPE is one of these; so is any GPT-2-style vocabulary from files.
/// </summary>
/// <remarks>
/// Byte-level vocabularies (the default) split text with GPT-2's pattern, exact on all of Unicode
/// (<see cref="CodePointPreTokenizer.Gpt2"/>), as Hugging Face's <c>ByteLevel(add_prefix_space=false)</c>
/// pre-tokenizer does, and decode any encoded text exactly. Other vocabularies use Microsoft.ML.Tokenizers'
/// default word/non-word split and must name an unknown token, so that no text is dropped. Files are checked
/// entry by entry and line by line before anything is sized by them (ids must be dense, 0..N−1). Key values are the vocab.json strings.
/// Thread-safe. Saved with the model by its two files.
/// </remarks>
public sealed class BpeVocabulary : TokenVocabulary
{
    private readonly BpeTokenizer _tokenizer;
    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _specialTokens;
    private readonly ByteTokenTable? _bytes;
    private readonly byte[] _vocabJson;
    private readonly byte[] _mergesText;
    private readonly PreTokenizer _preTokenizer;
    private readonly BpeWordMerger _longWords;

    private BpeVocabulary(byte[] vocabJson, byte[] mergesText, bool byteLevel, string? unknownToken, IEnumerable<string>? specialTokens,
        string vocabName = "vocab.json", string mergesName = "merges.txt")
    {
        _vocabJson = vocabJson;
        _mergesText = mergesText;
        ByteLevel = byteLevel;
        var entries = BpeFiles.ReadVocabulary(vocabJson, vocabName);
        var vocabulary = new Dictionary<string, int>(entries, StringComparer.Ordinal);
        var merges = BpeFiles.ReadMerges(mergesText, mergesName, vocabulary);
        _specialTokens = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string special in SpecialTokenList.Validate(specialTokens))
        {
            if (!vocabulary.TryGetValue(special, out int id))
                throw new ArgumentException($"The special token '{special}' is not in {vocabName}.", nameof(specialTokens));
            _specialTokens[special] = id;
        }
        if (unknownToken != null && !vocabulary.ContainsKey(unknownToken))
            throw new ArgumentException($"The unknown token '{unknownToken}' is not in {vocabName}.", nameof(unknownToken));
        if (byteLevel && unknownToken != null)
            throw new ArgumentException("A byte-level vocabulary encodes every text and takes no unknown token.", nameof(unknownToken));
        // Microsoft.ML.Tokenizers drops characters that have no token and no unknown token to stand for them: never
        // let that happen silently. Byte-level vocabularies need every byte; others need an unknown token.
        if (byteLevel) BpeFiles.CheckByteTokens(vocabulary, _specialTokens, vocabName);
        else if (unknownToken is null)
            throw new ArgumentException(
                $"A BPE vocabulary that is not byte-level cannot spell every text: name its unknown token (unknownToken), which {vocabName} " +
                "must hold, so that characters outside the vocabulary map to it instead of being dropped.", nameof(unknownToken));
        UnknownToken = unknownToken;

        // Ids are dense (checked by BpeFiles), so this table is no larger than the file's entry count.
        _tokens = new string[entries.Count];
        foreach (var (token, id) in entries) _tokens[id] = token;

        _preTokenizer = byteLevel ? CodePointPreTokenizer.Gpt2 : PreTokenizer.CreateWordOrNonWord();
        _tokenizer = BpeTokenizer.Create(new BpeOptions(vocabulary)
        {
            Merges = merges,
            ByteLevel = byteLevel,
            PreTokenizer = _preTokenizer,
            UnknownToken = unknownToken,
        });
        _longWords = new BpeWordMerger(vocabulary, merges, unknownToken is null ? null : vocabulary[unknownToken]);
        TokenizerVocabularies.Register(_tokenizer, this);
        if (byteLevel)
        {
            var bytesById = new byte[]?[_tokens.Length];
            foreach (var (token, id) in vocabulary)
                if (!_specialTokens.ContainsKey(token)) bytesById[id] = ByteLevelAlphabet.TryDecode(token);
            var specials = new Dictionary<string, int>(_specialTokens);
            // Entries outside the byte alphabet can never come out of byte-level merges: they act as special tokens.
            foreach (var (token, id) in vocabulary)
                if (bytesById[id] == null && !specials.ContainsKey(token)) specials[token] = id;
            _bytes = new ByteTokenTable(bytesById, specials);
        }
    }

    /// <summary>Whether the vocabulary is byte-level (GPT-2 style).</summary>
    public bool ByteLevel { get; }

    /// <summary>The unknown token of a non-byte-level vocabulary, or null.</summary>
    public string? UnknownToken { get; }

    /// <summary>The Microsoft.ML.Tokenizers tokenizer over this vocabulary.</summary>
    public override Tokenizer Tokenizer => _tokenizer;

    /// <summary>The same tokenizer, typed.</summary>
    public BpeTokenizer BpeTokenizer => _tokenizer;

    /// <inheritdoc/>
    public override int VocabularySize => _tokens.Length;

    /// <inheritdoc/>
    public override int? UnknownId => UnknownToken is null ? null : _tokenizer.Vocabulary[UnknownToken];

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, int> SpecialTokens => _specialTokens;

    /// <inheritdoc/>
    public override string Description => $"{(ByteLevel ? "byte-level " : "")}BPE vocabulary of {_tokens.Length} tokens";

    /// <inheritdoc/>
    public override bool IsLossless => ByteLevel;

    /// <summary>
    /// Reads Hugging Face's files: vocab.json (token → id) and merges.txt (one "left right" pair per line, by rank;
    /// a leading "#version" line is skipped).
    /// </summary>
    /// <param name="vocabJson">vocab.json's content.</param>
    /// <param name="mergesText">merges.txt's content.</param>
    /// <param name="byteLevel">Whether tokens are written in GPT-2's byte-level alphabet (default true).</param>
    /// <param name="unknownToken">For a vocabulary that is not byte-level: the token for text it cannot encode.</param>
    /// <param name="specialTokens">Entries of vocab.json that are special tokens (never produced from text).</param>
    /// <exception cref="ArgumentException">
    /// The files are malformed (the message names the file and the entry or line) or inconsistent with the other
    /// arguments; a byte-level vocabulary lacks some of the 256 byte tokens; a vocabulary that is not byte-level has no unknown token.
    /// </exception>
    public static BpeVocabulary FromFiles(Stream vocabJson, Stream mergesText, bool byteLevel = true,
        string? unknownToken = null, IEnumerable<string>? specialTokens = null)
    {
        ArgumentNullException.ThrowIfNull(vocabJson);
        ArgumentNullException.ThrowIfNull(mergesText);
        return new BpeVocabulary(ReadAll(vocabJson), ReadAll(mergesText), byteLevel, unknownToken, specialTokens);
    }

    /// <summary>Reads vocab.json and merges.txt from paths; see <see cref="FromFiles(Stream, Stream, bool, string?, IEnumerable{string}?)"/>.</summary>
    public static BpeVocabulary FromFiles(string vocabJsonPath, string mergesTextPath, bool byteLevel = true,
        string? unknownToken = null, IEnumerable<string>? specialTokens = null) =>
        new(File.ReadAllBytes(vocabJsonPath), File.ReadAllBytes(mergesTextPath), byteLevel, unknownToken, specialTokens, vocabJsonPath, mergesTextPath);

    /// <summary>Creates a byte-level vocabulary from tokens (in id order) and merges (by rank), as ArML's trainer does.</summary>
    internal static BpeVocabulary FromTrained(IReadOnlyList<string> tokens, IReadOnlyList<(string Left, string Right)> merges, IEnumerable<string> specialTokens) =>
        new(WriteVocabJson(tokens), WriteMerges(merges), byteLevel: true, unknownToken: null, specialTokens);

    /// <summary>vocab.json's bytes, as Hugging Face reads them.</summary>
    public byte[] GetVocabJson() => (byte[])_vocabJson.Clone();

    /// <summary>merges.txt's bytes, as Hugging Face reads them.</summary>
    public byte[] GetMergesText() => (byte[])_mergesText.Clone();

    /// <summary>Writes vocab.json and merges.txt into <paramref name="directory"/> (created if needed).</summary>
    public void SaveFiles(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, "vocab.json"), _vocabJson);
        File.WriteAllBytes(Path.Combine(directory, "merges.txt"), _mergesText);
    }

    /// <inheritdoc/>
    public override string GetToken(int id) => _tokens[id];

    /// <inheritdoc/>
    /// <remarks>
    /// Pre-tokens longer than <see cref="LongPreTokenLength"/> characters are merged by ArML's O(n log n) merger, which
    /// gives exactly the library's ids; the library's own merge is quadratic in a pre-token's length.
    /// </remarks>
    public override void Encode(ReadOnlySpan<char> text, List<int> ids)
    {
        if (text.IsEmpty) return;
        if (text.Length > LongPreTokenLength)
        {
            var pieces = _preTokenizer.PreTokenize(text).ToList();
            if (pieces.Exists(p => p.Length > LongPreTokenLength))
            {
                foreach (var (offset, length) in pieces) EncodePreToken(text.Slice(offset, length), ids);
                return;
            }
        }
        ids.AddRange(_tokenizer.EncodeToIds(text, considerPreTokenization: true, considerNormalization: false));
    }

    /// <summary>Pre-tokens longer than this are merged by ArML's merger instead of the library's; 0 sends every pre-token there (tests).</summary>
    internal int LongPreTokenLength { get; set; } = 256;

    private void EncodePreToken(ReadOnlySpan<char> piece, List<int> ids)
    {
        if (piece.Length <= LongPreTokenLength)
            ids.AddRange(_tokenizer.EncodeToIds(piece, considerPreTokenization: false, considerNormalization: false));
        else if (ByteLevel)
            _longWords.Encode(ByteLevelAlphabet.EncodeGeneralizedUtf8(piece), ids);
        else
            _longWords.Encode(piece, ids);
    }

    /// <inheritdoc/>
    public override string Decode(ReadOnlySpan<int> ids) => _bytes != null ? _bytes.Decode(ids) : _tokenizer.Decode(ids.ToArray());

    internal override SavedVocabulary Describe(Dictionary<string, byte[]> files)
    {
        files["vocab.json"] = _vocabJson;
        files["merges.txt"] = _mergesText;
        return new(SavedVocabulary.BpeKind) { ByteLevel = ByteLevel, UnknownToken = UnknownToken, SpecialTokens = [.. _specialTokens.Keys] };
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static byte[] WriteVocabJson(IReadOnlyList<string> tokens)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            for (int id = 0; id < tokens.Count; id++) writer.WriteNumber(tokens[id], id);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static byte[] WriteMerges(IReadOnlyList<(string Left, string Right)> merges)
    {
        var text = new StringBuilder("#version: 0.2\n");
        foreach (var (left, right) in merges) text.Append(left).Append(' ').Append(right).Append('\n');
        return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text.ToString());
    }
}
