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
/// default word/non-word split and may have an unknown token. Key values are the vocab.json strings.
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

    private BpeVocabulary(byte[] vocabJson, byte[] mergesText, bool byteLevel, string? unknownToken, IEnumerable<string>? specialTokens)
    {
        _vocabJson = vocabJson;
        _mergesText = mergesText;
        ByteLevel = byteLevel;
        var vocabulary = ReadVocabJson(vocabJson);
        var merges = ReadMerges(mergesText);
        _specialTokens = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string special in SpecialTokenList.Validate(specialTokens))
        {
            if (!vocabulary.TryGetValue(special, out int id))
                throw new ArgumentException($"The special token '{special}' is not in vocab.json.", nameof(specialTokens));
            _specialTokens[special] = id;
        }
        if (unknownToken != null && !vocabulary.ContainsKey(unknownToken))
            throw new ArgumentException($"The unknown token '{unknownToken}' is not in vocab.json.", nameof(unknownToken));
        if (byteLevel && unknownToken != null)
            throw new ArgumentException("A byte-level vocabulary encodes every text and takes no unknown token.", nameof(unknownToken));
        UnknownToken = unknownToken;

        _tokens = new string[vocabulary.Count == 0 ? 0 : vocabulary.Values.Max() + 1];
        foreach (var (token, id) in vocabulary)
        {
            if (id < 0) throw new ArgumentException($"vocab.json gives '{token}' the negative id {id}.", nameof(vocabJson));
            if (_tokens[id] != null) throw new ArgumentException($"vocab.json gives id {id} to both '{_tokens[id]}' and '{token}'.", nameof(vocabJson));
            _tokens[id] = token;
        }
        for (int id = 0; id < _tokens.Length; id++) _tokens[id] ??= $"<|unused:{id}|>";

        _tokenizer = BpeTokenizer.Create(new BpeOptions(vocabulary)
        {
            Merges = merges,
            ByteLevel = byteLevel,
            PreTokenizer = byteLevel ? CodePointPreTokenizer.Gpt2 : PreTokenizer.CreateWordOrNonWord(),
            UnknownToken = unknownToken,
        });
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
    /// <exception cref="ArgumentException">The files are malformed or inconsistent with the other arguments.</exception>
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
        new(File.ReadAllBytes(vocabJsonPath), File.ReadAllBytes(mergesTextPath), byteLevel, unknownToken, specialTokens);

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
    public override void Encode(ReadOnlySpan<char> text, List<int> ids)
    {
        if (text.IsEmpty) return;
        ids.AddRange(_tokenizer.EncodeToIds(text, considerPreTokenization: true, considerNormalization: false));
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

    private static Dictionary<string, int> ReadVocabJson(byte[] json)
    {
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, int>>(json) ?? throw new ArgumentException("vocab.json holds null.");
        }
        catch (JsonException e)
        {
            throw new ArgumentException("vocab.json is not a JSON object of token → id: " + e.Message, nameof(json), e);
        }
    }

    private static List<string> ReadMerges(byte[] text)
    {
        var merges = new List<string>();
        using var reader = new StreamReader(new MemoryStream(text), Encoding.UTF8);
        int lineNumber = 0;
        while (reader.ReadLine() is string line)
        {
            lineNumber++;
            if (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)) continue;
            if (line.Length == 0) continue;
            int space = line.IndexOf(' ');
            if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
                throw new ArgumentException($"Line {lineNumber} of merges.txt is not two tokens separated by one space: '{line}'.", nameof(text));
            merges.Add(line);
        }
        return merges;
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
