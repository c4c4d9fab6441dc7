using ArML.Transforms.Text.Encodings;

namespace ArML.Transforms.Text;

/// <summary>
/// A closed vocabulary of words: text is split into runs of letters, digits and marks and single other characters
/// (whitespace is dropped, <see cref="CodePointPreTokenizer.Words"/>), or only at white space
/// (<see cref="WordSplitting.Whitespace"/>, for pre-tokenized corpora), and each piece is one id. Id 0 is the unknown
/// token, then the special tokens in the order given, then the words.
/// </summary>
/// <remarks>Decoding joins the words with single spaces, so it does not restore the original spacing. Thread-safe.</remarks>
public sealed class WordVocabulary : TokenVocabulary
{
    /// <summary>Id of the unknown token.</summary>
    public const int UnknownTokenId = 0;

    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly Dictionary<string, int> _specialTokens = new(StringComparer.Ordinal);
    private readonly CodePointPreTokenizer _split;

    /// <summary>Creates a vocabulary of <paramref name="words"/> (in id order, after the unknown and special tokens).</summary>
    /// <param name="words">The words.</param>
    /// <param name="unknownToken">The unknown token's string (id 0).</param>
    /// <param name="specialTokens">Special tokens (ids 1 and up).</param>
    /// <param name="splitting">How text is split into words.</param>
    /// <exception cref="ArgumentException">A word is empty, repeated, or equal to the unknown or a special token.</exception>
    public WordVocabulary(IEnumerable<string> words, string unknownToken = "<unk>", IEnumerable<string>? specialTokens = null,
        WordSplitting splitting = WordSplitting.WordsAndPunctuation)
    {
        _split = CodePointPreTokenizer.Of(splitting);
        Splitting = splitting;
        ArgumentNullException.ThrowIfNull(words);
        ArgumentException.ThrowIfNullOrEmpty(unknownToken);
        var specials = SpecialTokenList.Validate(specialTokens, unknownToken);
        var list = new List<string> { unknownToken };
        list.AddRange(specials);
        list.AddRange(words);
        _tokens = [.. list];
        _ids = new Dictionary<string, int>(_tokens.Length, StringComparer.Ordinal);
        for (int id = 0; id < _tokens.Length; id++)
        {
            if (string.IsNullOrEmpty(_tokens[id])) throw new ArgumentException($"Word {id} is empty.", nameof(words));
            if (!_ids.TryAdd(_tokens[id], id)) throw new ArgumentException($"The word '{_tokens[id]}' appears twice in the vocabulary.", nameof(words));
        }
        for (int i = 0; i < specials.Count; i++) _specialTokens[specials[i]] = 1 + i;
        _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
        UnknownToken = unknownToken;
    }

    /// <summary>The unknown token's string.</summary>
    public string UnknownToken { get; }

    /// <summary>How text is split into words.</summary>
    public WordSplitting Splitting { get; }

    /// <summary>All key values, by id.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>The words (ids after the unknown and special tokens), in id order.</summary>
    public IEnumerable<string> Words => _tokens.Skip(1 + _specialTokens.Count);

    /// <inheritdoc/>
    public override int VocabularySize => _tokens.Length;

    /// <inheritdoc/>
    public override int? UnknownId => UnknownTokenId;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, int> SpecialTokens => _specialTokens;

    /// <inheritdoc/>
    public override string Description =>
        $"word vocabulary of {_tokens.Length} tokens" + (Splitting == WordSplitting.Whitespace ? " (split at white space)" : "");

    /// <summary>Appends the pieces of <paramref name="text"/> as <see cref="WordSplitting.WordsAndPunctuation"/> splits it.</summary>
    public static void Split(ReadOnlySpan<char> text, List<(int Offset, int Length)> pieces) => CodePointPreTokenizer.Words.Split(text, pieces);

    /// <inheritdoc/>
    public override string GetToken(int id) => _tokens[id];

    /// <inheritdoc/>
    public override void Encode(ReadOnlySpan<char> text, List<int> ids)
    {
        var pieces = new List<(int Offset, int Length)>();
        _split.Split(text, pieces);
        foreach (var (offset, length) in pieces)
        {
            var word = text.Slice(offset, length);
            // A special token's string in the text is ordinary text: it maps to the unknown id, never to the special id.
            ids.Add(_lookup.TryGetValue(word, out int id) && !_specialTokens.ContainsKey(_tokens[id]) ? id : UnknownTokenId);
        }
    }

    /// <inheritdoc/>
    public override string Decode(ReadOnlySpan<int> ids)
    {
        var words = new string[ids.Length];
        for (int i = 0; i < ids.Length; i++) words[i] = _tokens[ids[i]];
        return string.Join(' ', words);
    }

    internal override SavedVocabulary Describe(Dictionary<string, byte[]> files) =>
        new(SavedVocabulary.WordKind)
        {
            Words = [.. Words], UnknownToken = UnknownToken, SpecialTokens = [.. _specialTokens.Keys],
            // Written only when not the default, so files of the default mode stay as earlier versions wrote them.
            WordSplitting = Splitting == WordSplitting.WordsAndPunctuation ? null : Splitting,
        };
}
