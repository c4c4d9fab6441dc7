using System.Text;
using ArML.Text;

namespace ArML.Transforms.Text;

/// <summary>
/// A closed vocabulary of Unicode code points (so a surrogate pair is one token, never two) with an unknown id.
/// Id 0 is <see cref="UnknownToken"/>; the other ids hold the characters in ordinal order.
/// </summary>
public sealed class CharacterVocabulary : ITokenCodec
{
    /// <summary>The key value of the unknown-character id.</summary>
    public const string UnknownToken = "<unk>";

    /// <summary>Id given to characters outside the vocabulary.</summary>
    public const int UnknownId = 0;

    private readonly string[] _tokens;
    private readonly Dictionary<int, int> _idOfCodePoint;

    /// <summary>Creates a vocabulary of <paramref name="codePoints"/> (duplicates ignored).</summary>
    public CharacterVocabulary(IEnumerable<int> codePoints)
    {
        var sorted = codePoints.Distinct().Order().ToArray();
        _tokens = new string[sorted.Length + 1];
        _tokens[UnknownId] = UnknownToken;
        _idOfCodePoint = new Dictionary<int, int>(sorted.Length);
        for (int i = 0; i < sorted.Length; i++)
        {
            if (!Rune.IsValid(sorted[i])) throw new ArgumentException($"{sorted[i]:X} is not a Unicode scalar value.", nameof(codePoints));
            _tokens[i + 1] = char.ConvertFromUtf32(sorted[i]);
            _idOfCodePoint[sorted[i]] = i + 1;
        }
    }

    /// <inheritdoc/>
    public int VocabularySize => _tokens.Length;

    /// <summary>The code points of the vocabulary, in id order (id 1 first).</summary>
    public IEnumerable<int> CodePoints => _tokens.Skip(1).Select(t => char.ConvertToUtf32(t, 0));

    /// <inheritdoc/>
    public string GetToken(int id) => _tokens[id];

    /// <summary>All key values, by id.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>
    /// Appends the ids of <paramref name="text"/>: one per code point, <see cref="UnknownId"/> for characters not
    /// in the vocabulary and for unpaired surrogates.
    /// </summary>
    public void Encode(ReadOnlySpan<char> text, List<int> ids)
    {
        while (!text.IsEmpty)
        {
            Rune.DecodeFromUtf16(text, out var rune, out int used);
            ids.Add(rune == Rune.ReplacementChar && text[0] != '\uFFFD'
                ? UnknownId
                : _idOfCodePoint.GetValueOrDefault(rune.Value, UnknownId));
            text = text[used..];
        }
    }

    /// <summary>The text of <paramref name="ids"/>; the unknown id decodes to U+FFFD.</summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var sb = new StringBuilder(ids.Length);
        foreach (int id in ids) sb.Append(id == UnknownId ? "\uFFFD" : _tokens[id]);
        return sb.ToString();
    }

    /// <summary>Adds the code points of <paramref name="text"/> to <paramref name="seen"/>, skipping unpaired surrogates.</summary>
    public static void CollectCodePoints(ReadOnlySpan<char> text, HashSet<int> seen)
    {
        while (!text.IsEmpty)
        {
            var status = Rune.DecodeFromUtf16(text, out var rune, out int used);
            if (status == System.Buffers.OperationStatus.Done) seen.Add(rune.Value);
            text = text[used..];
        }
    }
}
