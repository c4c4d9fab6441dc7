using System.Runtime.InteropServices;
using System.Text;

namespace ArML.Transforms.Text;

/// <summary>
/// A closed vocabulary of Unicode code points (so a surrogate pair is one token, never two) with an unknown id.
/// Id 0 is <see cref="UnknownToken"/>, then the special tokens in the order given, then the characters in ordinal order.
/// </summary>
public sealed class CharacterVocabulary : TokenVocabulary
{
    /// <summary>The key value of the unknown-character id.</summary>
    public const string UnknownToken = "<unk>";

    /// <summary>Id given to characters outside the vocabulary.</summary>
    public const int UnknownTokenId = 0;

    private readonly string[] _tokens;
    private readonly Dictionary<int, int> _idOfCodePoint;
    private readonly Dictionary<string, int> _specialTokens = new(StringComparer.Ordinal);
    // Ids of the UTF-16 code units up to the highest one in the vocabulary, −1 for surrogates: text made of such
    // units (nearly all text) is encoded by one table read a character, without decoding runes or hashing.
    private readonly int[] _idOfUnit;

    /// <summary>Creates a vocabulary of <paramref name="codePoints"/> (duplicates ignored) and <paramref name="specialTokens"/>.</summary>
    /// <exception cref="ArgumentException">A code point is not a Unicode scalar value, or a special token is empty, repeated or "&lt;unk&gt;".</exception>
    public CharacterVocabulary(IEnumerable<int> codePoints, IEnumerable<string>? specialTokens = null)
    {
        ArgumentNullException.ThrowIfNull(codePoints);
        var sorted = codePoints.Distinct().Order().ToArray();
        var specials = SpecialTokenList.Validate(specialTokens, UnknownToken);
        _tokens = new string[1 + specials.Count + sorted.Length];
        _tokens[UnknownTokenId] = UnknownToken;
        for (int i = 0; i < specials.Count; i++)
        {
            _tokens[1 + i] = specials[i];
            _specialTokens[specials[i]] = 1 + i;
        }
        int first = 1 + specials.Count;
        _idOfCodePoint = new Dictionary<int, int>(sorted.Length);
        for (int i = 0; i < sorted.Length; i++)
        {
            if (!Rune.IsValid(sorted[i])) throw new ArgumentException($"{sorted[i]:X} is not a Unicode scalar value.", nameof(codePoints));
            _tokens[first + i] = char.ConvertFromUtf32(sorted[i]);
            _idOfCodePoint[sorted[i]] = first + i;
        }
        _idOfUnit = new int[sorted.Where(c => c <= char.MaxValue).DefaultIfEmpty(-1).Max() + 1];
        for (int c = 0; c < _idOfUnit.Length; c++)
            _idOfUnit[c] = char.IsSurrogate((char)c) ? -1 : _idOfCodePoint.GetValueOrDefault(c, UnknownTokenId);
    }

    /// <inheritdoc/>
    public override int VocabularySize => _tokens.Length;

    /// <inheritdoc/>
    public override int? UnknownId => UnknownTokenId;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, int> SpecialTokens => _specialTokens;

    /// <inheritdoc/>
    public override string Description => $"character vocabulary of {_idOfCodePoint.Count} code points";

    // One table read a character: a thread pays for itself only on long batches.
    internal override int CharactersPerThread => 1 << 18;

    /// <summary>The code points of the vocabulary, in id order.</summary>
    public IEnumerable<int> CodePoints => _tokens.Skip(1 + _specialTokens.Count).Select(t => char.ConvertToUtf32(t, 0));

    /// <inheritdoc/>
    public override string GetToken(int id) => _tokens[id];

    /// <summary>All key values, by id.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>
    /// Appends the ids of <paramref name="text"/>: one per code point, <see cref="UnknownTokenId"/> for characters not
    /// in the vocabulary and for unpaired surrogates.
    /// </summary>
    public override void Encode(ReadOnlySpan<char> text, List<int> ids)
    {
        int start = ids.Count, n = 0;
        CollectionsMarshal.SetCount(ids, start + text.Length);   // at most one id a UTF-16 unit
        var output = CollectionsMarshal.AsSpan(ids)[start..];
        var table = _idOfUnit;
        for (int i = 0; i < text.Length;)
        {
            char unit = text[i];
            if (unit < table.Length && table[unit] is int id and >= 0)
            {
                output[n++] = id;
                i++;
                continue;
            }
            var status = Rune.DecodeFromUtf16(text[i..], out var rune, out int used);
            output[n++] = status != System.Buffers.OperationStatus.Done
                ? UnknownTokenId
                : _idOfCodePoint.GetValueOrDefault(rune.Value, UnknownTokenId);
            i += used;
        }
        CollectionsMarshal.SetCount(ids, start + n);
    }

    /// <summary>The text of <paramref name="ids"/>; the unknown id decodes to U+FFFD.</summary>
    public override string Decode(ReadOnlySpan<int> ids)
    {
        var sb = new StringBuilder(ids.Length);
        foreach (int id in ids) sb.Append(id == UnknownTokenId ? "\uFFFD" : _tokens[id]);
        return sb.ToString();
    }

    /// <summary>Adds the code points of <paramref name="text"/> to <paramref name="seen"/>, skipping unpaired surrogates.</summary>
    public static void CollectCodePoints(ReadOnlySpan<char> text, HashSet<int> seen)
    {
        ArgumentNullException.ThrowIfNull(seen);
        while (!text.IsEmpty)
        {
            var status = Rune.DecodeFromUtf16(text, out var rune, out int used);
            if (status == System.Buffers.OperationStatus.Done) seen.Add(rune.Value);
            text = text[used..];
        }
    }

    internal override SavedVocabulary Describe(Dictionary<string, byte[]> files) =>
        new(SavedVocabulary.CharacterKind) { CodePoints = CodePoints.ToArray(), SpecialTokens = [.. _specialTokens.Keys] };
}
