using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Text;

/// <summary>
/// A codec over a token column's key values (its vocabulary strings): decoding concatenates the strings;
/// encoding matches the longest vocabulary string at each position. Exact for character vocabularies, such as
/// those of ArML's <c>TokenizeCharacters</c> and ML.NET's <c>TokenizeIntoCharactersAsKeys</c>.
/// </summary>
internal sealed class KeyValuesCodec : ITokenCodec
{
    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly int _longest;

    /// <summary>Creates a codec over <paramref name="tokens"/>; id i is tokens[i].</summary>
    public KeyValuesCodec(IReadOnlyList<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        _tokens = tokens.ToArray();
        for (int i = 0; i < _tokens.Length; i++)
        {
            _ids.TryAdd(_tokens[i], i);
            _longest = Math.Max(_longest, _tokens[i].Length);
        }
    }

    /// <summary>The vocabulary strings, by id.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <inheritdoc/>
    public int VocabularySize => _tokens.Length;

    /// <summary>Reads the key values of <paramref name="column"/>, or returns null when it has none.</summary>
    public static KeyValuesCodec? FromColumn(DataViewSchema.Column column)
    {
        var annotation = column.Annotations.Schema.GetColumnOrNull("KeyValues");
        if (annotation is null || annotation.Value.Type is not VectorDataViewType { ItemType: TextDataViewType }) return null;
        VBuffer<ReadOnlyMemory<char>> values = default;
        column.Annotations.GetValue("KeyValues", ref values);
        return new KeyValuesCodec(values.DenseValues().Select(v => v.ToString()).ToArray());
    }

    /// <inheritdoc/>
    public string GetToken(int id) => _tokens[id];

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">Some text matches no vocabulary string.</exception>
    public void Encode(ReadOnlySpan<char> text, List<int> ids)
    {
        int i = 0;
        while (i < text.Length)
        {
            int matched = 0;
            for (int len = Math.Min(_longest, text.Length - i); len > 0; len--)
            {
                if (_ids.TryGetValue(text.Slice(i, len).ToString(), out int id))
                {
                    ids.Add(id);
                    matched = len;
                    break;
                }
            }
            if (matched == 0)
                throw new ArgumentException($"The text '{text.ToString()}' has '{text[i]}' at position {i}, which is in no vocabulary entry.", nameof(text));
            i += matched;
        }
    }

    /// <inheritdoc/>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var sb = new StringBuilder();
        foreach (int id in ids) sb.Append(_tokens[id]);
        return sb.ToString();
    }
}
