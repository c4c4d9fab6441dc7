using ArML.Data;

namespace ArML.Text;

/// <summary>
/// A codec over a language model's token ids, made from a codec over its token column's ids and the model's
/// <see cref="TokenKeyMap"/>: text is encoded by the column's codec, then mapped (keys never seen in training become
/// the unknown token, unless the map's policy forbids them); ids are mapped back and decoded by the column's codec,
/// the unknown token as U+FFFD (the replacement character), so it is visible rather than dropped.
/// </summary>
internal sealed class KeyMappedCodec : ITokenCodec
{
    /// <summary>What the unknown token decodes to.</summary>
    public const string UnknownText = "\uFFFD";

    private readonly ITokenCodec _column;
    private readonly TokenKeyMap _map;

    private KeyMappedCodec(ITokenCodec column, TokenKeyMap map)
    {
        _column = column;
        _map = map;
    }

    /// <summary>The codec over <paramref name="map"/>'s model ids; <paramref name="columnCodec"/> itself for an identity map.</summary>
    public static ITokenCodec Over(ITokenCodec columnCodec, TokenKeyMap map)
    {
        ArgumentNullException.ThrowIfNull(columnCodec);
        ArgumentNullException.ThrowIfNull(map);
        return map.IsIdentity ? columnCodec : new KeyMappedCodec(columnCodec, map);
    }

    /// <summary>The codec over the token column's ids that this one maps.</summary>
    public ITokenCodec ColumnCodec => _column;

    /// <summary>The map from the column's keys to the model's ids.</summary>
    public TokenKeyMap Map => _map;

    /// <inheritdoc/>
    public int VocabularySize => _map.TokenCount;

    /// <inheritdoc/>
    public string GetToken(int id)
    {
        int column = _map.ToColumnId(id);
        return column < 0 ? "<unk>" : _column.GetToken(column);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The column's codec cannot encode the text, or a key never seen in training is not allowed.</exception>
    public void Encode(ReadOnlySpan<char> text, List<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var columnIds = new List<int>();
        _column.Encode(text, columnIds);
        for (int i = 0; i < columnIds.Count; i++)
        {
            if (!_map.TryToModelIdOrUnknown(columnIds[i], out int id))
                throw new ArgumentException(
                    $"Token '{_column.GetToken(columnIds[i])}' (key {columnIds[i] + 1L}) at token position {i} never occurred in the model's training data and UnseenKeys is {_map.Policy}.",
                    nameof(text));
            ids.Add(id);
        }
    }

    /// <inheritdoc/>
    public string Decode(ReadOnlySpan<int> ids)
    {
        // Runs of known tokens are decoded together: a byte-level token may be only part of a character.
        var text = new System.Text.StringBuilder();
        var run = new List<int>();
        foreach (int id in ids)
        {
            int column = _map.ToColumnId(id);
            if (column >= 0)
            {
                run.Add(column);
                continue;
            }
            text.Append(_column.Decode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(run))).Append(UnknownText);
            run.Clear();
        }
        return text.Append(_column.Decode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(run))).ToString();
    }
}
