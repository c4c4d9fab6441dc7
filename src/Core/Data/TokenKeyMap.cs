using System.Globalization;

namespace ArML.Data;

/// <summary>
/// A language model's compact vocabulary over its token column: the keys that occurred in the training data, in key
/// order, are the model's token ids 0..U−1, and id U is the unknown token. Every other key — missing (0, as
/// <c>MapValueToKey</c> writes for a value it never saw) or never seen in training — is read as the unknown token, or
/// is an error under <see cref="UnseenKeyPolicy.Throw"/>. So the model's softmax is as wide as the vocabulary the
/// data actually used, whatever the column's key count (ML.NET's <c>TokenizeIntoCharactersAsKeys</c> declares 65,535).
/// </summary>
/// <remarks>
/// Models saved before ArML learned this map read key k as id k − 1 with no unknown token (<see cref="Identity"/>).
/// Ids handed in and out are zero-based column ids (key − 1, and −1 for the missing key 0). Immutable and thread-safe.
/// </remarks>
internal sealed class TokenKeyMap
{
    // Column key counts up to this get a dense lookup array (4 MB at most); larger ones a dictionary of the used keys,
    // so a huge declared key count never allocates in proportion to itself.
    internal const int DenseLimit = 1 << 20;

    private readonly int[] _keys;
    private readonly int[]? _dense;
    private readonly Dictionary<int, int>? _sparse;
    private readonly int _importedTokenCount;

    private TokenKeyMap(int columnKeyCount, int[] keys, bool identity, UnseenKeyPolicy policy, int separatorColumnId = -1, int importedTokenCount = 0)
    {
        ColumnKeyCount = columnKeyCount;
        _keys = keys;
        IsIdentity = identity;
        Policy = policy;
        SeparatorColumnId = separatorColumnId;
        _importedTokenCount = importedTokenCount;
        if (identity || separatorColumnId >= 0) return;
        if (columnKeyCount <= DenseLimit)
        {
            _dense = new int[columnKeyCount];
            Array.Fill(_dense, -1);
            for (int i = 0; i < keys.Length; i++) _dense[keys[i] - 1] = i;
        }
        else
        {
            _sparse = new Dictionary<int, int>(keys.Length);
            for (int i = 0; i < keys.Length; i++) _sparse.Add(keys[i] - 1, i);
        }
    }

    /// <summary>The key count of the column the map reads.</summary>
    public int ColumnKeyCount { get; }

    /// <summary>True for models saved before compact vocabularies: id = key − 1, no unknown token.</summary>
    public bool IsIdentity { get; }

    /// <summary>What reading a key without an id does.</summary>
    public UnseenKeyPolicy Policy { get; }

    /// <summary>The keys (1-based) that have ids, ascending; id i is key <c>UsedKeys[i]</c>. Empty for <see cref="IsIdentity"/>.</summary>
    public IReadOnlyList<int> UsedKeys => _keys;

    /// <summary>
    /// For an imported model (<see cref="WithSeparator"/>): the column id read as the model's separator; −1 otherwise.
    /// </summary>
    public int SeparatorColumnId { get; }

    private bool IsImported => SeparatorColumnId >= 0;

    /// <summary>The unknown token's id (U), or −1 for <see cref="IsIdentity"/> and imported maps, which have none.</summary>
    public int UnknownId => IsIdentity || IsImported ? -1 : _keys.Length;

    /// <summary>Token ids of the model: U + 1 (the unknown token included), the key count for <see cref="IsIdentity"/>.</summary>
    public int TokenCount => IsIdentity ? ColumnKeyCount : IsImported ? _importedTokenCount : _keys.Length + 1;

    /// <summary>
    /// The map of an imported model whose token ids are its column's ids but one: column id
    /// <paramref name="separatorColumnId"/> (a Hugging Face model's end-of-text) is the model's separator, id
    /// <paramref name="tokenCount"/>, and the column ids above it read as one less. Column ids above
    /// <paramref name="tokenCount"/> (a tokenizer larger than the model) have no model id. No unknown token.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A count is below 1 or the separator's column id is outside the model's ids.</exception>
    public static TokenKeyMap WithSeparator(int columnKeyCount, int tokenCount, int separatorColumnId)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(columnKeyCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(tokenCount, 1);
        if (separatorColumnId < 0 || separatorColumnId > tokenCount || separatorColumnId >= columnKeyCount)
            throw new ArgumentOutOfRangeException(nameof(separatorColumnId),
                $"The separator's column id {separatorColumnId} must be within the column's {columnKeyCount} ids and the model's {tokenCount + 1}.");
        return new TokenKeyMap(columnKeyCount, [], identity: false, UnseenKeyPolicy.Throw, separatorColumnId, tokenCount);
    }

    /// <summary>The map of a model that reads key k as id k − 1 and has no unknown token.</summary>
    public static TokenKeyMap Identity(int keyCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keyCount, 1);
        return new TokenKeyMap(keyCount, [], identity: true, UnseenKeyPolicy.Throw);
    }

    /// <summary>A compact map over <paramref name="usedKeys"/> (1-based keys, strictly ascending, within the column's keys).</summary>
    /// <exception cref="ArgumentException">The keys are not strictly ascending within 1..<paramref name="columnKeyCount"/>.</exception>
    public static TokenKeyMap FromKeys(int columnKeyCount, IReadOnlyList<int> usedKeys, UnseenKeyPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(usedKeys);
        ArgumentOutOfRangeException.ThrowIfLessThan(columnKeyCount, 1);
        if (!Enum.IsDefined(policy)) throw new ArgumentOutOfRangeException(nameof(policy), $"Unseen-key policy {policy} is not defined.");
        if (usedKeys.Count > columnKeyCount)
            throw new ArgumentException($"{usedKeys.Count} used keys cannot come from a column of {columnKeyCount} keys.", nameof(usedKeys));
        var keys = usedKeys.ToArray();
        for (int i = 0; i < keys.Length; i++)
            if (keys[i] < 1 || keys[i] > columnKeyCount || (i > 0 && keys[i] <= keys[i - 1]))
                throw new ArgumentException(
                    $"Used key {keys[i]} at position {i} is not above the previous one within 1..{columnKeyCount}.", nameof(usedKeys));
        return new TokenKeyMap(columnKeyCount, keys, identity: false, policy);
    }

    /// <summary>The same keys with another <see cref="Policy"/>.</summary>
    public TokenKeyMap WithPolicy(UnseenKeyPolicy policy) =>
        policy == Policy || IsIdentity || IsImported ? this : FromKeys(ColumnKeyCount, _keys, policy);

    /// <summary>The model id of column id <paramref name="columnId"/> (key − 1; −1 for the missing key), or −1 when it has none.</summary>
    public int ToModelId(int columnId)
    {
        if (IsIdentity) return columnId >= 0 && columnId < ColumnKeyCount ? columnId : -1;
        if (columnId < 0 || columnId >= ColumnKeyCount) return -1;
        if (IsImported)
            return columnId == SeparatorColumnId ? _importedTokenCount
                : columnId > _importedTokenCount ? -1 : columnId < SeparatorColumnId ? columnId : columnId - 1;
        if (_dense != null) return _dense[columnId];
        return _sparse!.TryGetValue(columnId, out int id) ? id : -1;
    }

    /// <summary>The column id (key − 1) of model id <paramref name="modelId"/>, or −1 for the unknown token.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is not a token id of the model.</exception>
    public int ToColumnId(int modelId)
    {
        if ((uint)modelId >= (uint)TokenCount)
            throw new ArgumentOutOfRangeException(nameof(modelId), $"Token id {modelId} is outside the model's tokens (0..{TokenCount - 1}).");
        if (IsImported)
        {
            int column = modelId < SeparatorColumnId ? modelId : modelId + 1;
            return column < ColumnKeyCount ? column : -1;   // a model wider than its tokenizer: an id without text
        }
        return IsIdentity ? modelId : modelId == UnknownId ? -1 : _keys[modelId] - 1;
    }

    /// <summary>
    /// The model id of column id <paramref name="columnId"/>, the unknown token's for a key without one when
    /// <see cref="Policy"/> allows it; false when it does not (or the model has no unknown token).
    /// </summary>
    public bool TryToModelIdOrUnknown(int columnId, out int modelId)
    {
        modelId = ToModelId(columnId);
        if (modelId >= 0) return true;
        if (UnknownId < 0 || Policy == UnseenKeyPolicy.Throw) return false;
        modelId = UnknownId;
        return true;
    }

    /// <summary>
    /// Turns the column ids of row <paramref name="row"/> into model ids in place: a key without an id becomes the
    /// unknown token, or throws under <see cref="UnseenKeyPolicy.Throw"/> (and always for <see cref="IsIdentity"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">A key has no id and the policy (or the model) allows no unknown token; the message names the column, row and key.</exception>
    public void ToModelIds(Span<int> ids, string columnName, long row)
    {
        if (_dense is { } dense)
        {
            // The common map, as one table lookup a token (the general path below asks what kind of map this is each time).
            int unknown = Policy == UnseenKeyPolicy.Throw ? -1 : UnknownId;
            for (int i = 0; i < ids.Length; i++)
            {
                int id = (uint)ids[i] < (uint)dense.Length ? dense[ids[i]] : -1;
                if (id < 0 && (id = unknown) < 0) throw Unseen(ids[i], columnName, row, i);
                ids[i] = id;
            }
            return;
        }
        for (int i = 0; i < ids.Length; i++)
        {
            if (!TryToModelIdOrUnknown(ids[i], out int id)) throw Unseen(ids[i], columnName, row, i);
            ids[i] = id;
        }
    }

    internal InvalidDataException Unseen(int columnId, string columnName, long row, int position)
    {
        string what = columnId < 0
            ? "the missing key 0 (e.g. a value the key mapping never saw)"
            : IsImported ? $"key {(columnId + 1L).ToString(CultureInfo.InvariantCulture)}, beyond the {_importedTokenCount + 1} ids of the imported model (its tokenizer has more)"
            : $"key {(columnId + 1L).ToString(CultureInfo.InvariantCulture)}, which never occurred in the model's training data";
        string remedy = IsImported ? "" : IsIdentity
            ? " This model was saved before ArML had an unknown token: retrain it to score such keys."
            : $" UnseenKeys is {Policy}; {nameof(UnseenKeyPolicy.ScoreAsUnknown)} scores it as the unknown token.";
        return new InvalidDataException($"Row {row} of column '{columnName}' holds {what} at position {position}.{remedy}");
    }
}
