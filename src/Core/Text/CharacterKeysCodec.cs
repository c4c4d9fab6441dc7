using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Text;

/// <summary>
/// The codec of ML.NET's <c>TokenizeIntoCharactersAsKeys</c> columns: key k is the UTF-16 code unit k (ids are
/// code unit − 1), for all 65,535 keys. Its key values are display names ("&lt;␠&gt;" for a space, one shared name for
/// every surrogate half), so they cannot encode or decode text; this codec uses the code units themselves, which is
/// exact for any text without U+0000 (which has no key).
/// </summary>
internal sealed class CharacterKeysCodec : ITokenCodec
{
    /// <summary>The key count of ML.NET's character tokenizer: every UTF-16 code unit but U+0000.</summary>
    public const int KeyCount = ushort.MaxValue;

    /// <summary>The codec.</summary>
    public static CharacterKeysCodec Instance { get; } = new();

    private CharacterKeysCodec()
    {
    }

    /// <inheritdoc/>
    public int VocabularySize => KeyCount;

    /// <summary>
    /// Whether <paramref name="keyValues"/> are those of ML.NET's character tokenizer: 65,535 keys whose printable
    /// ASCII characters are their own key values, key k − 1 holding code unit k, and the space shown by a symbol.
    /// </summary>
    public static bool Recognizes(IReadOnlyList<string>? keyValues)
    {
        if (keyValues is null || keyValues.Count != KeyCount || keyValues[' ' - 1] == " ") return false;
        for (char c = '!'; c <= '~'; c++)
            if (keyValues[c - 1] is not { Length: 1 } value || value[0] != c) return false;
        return true;
    }

    /// <summary>The codec of key values: this one for ML.NET's character tokenizer, else a <see cref="KeyValuesCodec"/>.</summary>
    public static ITokenCodec FromKeyValues(IReadOnlyList<string> keyValues) =>
        Recognizes(keyValues) ? Instance : new KeyValuesCodec(keyValues);

    /// <summary>The codec of a column's key values (see <see cref="FromKeyValues"/>), or null when it has none.</summary>
    public static ITokenCodec? FromColumn(DataViewSchema.Column column)
    {
        var codec = KeyValuesCodec.FromColumn(column);
        return codec is null ? null : Recognizes(codec.Tokens) ? Instance : codec;
    }

    /// <summary>The code unit of <paramref name="id"/> as a one-character string.</summary>
    public string GetToken(int id)
    {
        if ((uint)id >= KeyCount) throw new ArgumentOutOfRangeException(nameof(id), $"Id {id} is outside 0..{KeyCount - 1}.");
        return ((char)(id + 1)).ToString();
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The text holds U+0000, which has no key.</exception>
    public void Encode(ReadOnlySpan<char> text, List<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\0') throw new ArgumentException($"The text has U+0000 at position {i}, which ML.NET's character keys cannot hold.", nameof(text));
            ids.Add(text[i] - 1);
        }
    }

    /// <inheritdoc/>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var chars = new char[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= KeyCount) throw new ArgumentOutOfRangeException(nameof(ids), $"Id {ids[i]} at position {i} is outside 0..{KeyCount - 1}.");
            chars[i] = (char)(ids[i] + 1);
        }
        return new string(chars);
    }
}
