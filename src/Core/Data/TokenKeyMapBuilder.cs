namespace ArML.Data;

/// <summary>
/// Learns a <see cref="TokenKeyMap"/> in the same streaming pass that reads the training data: each row's keys get
/// provisional ids as they are first seen (0 is the unknown token, for missing keys), and <see cref="Build"/> turns
/// them into the map's ids (keys in key order, then the unknown token), so the data is read only once and the
/// result does not depend on row order.
/// </summary>
internal sealed class TokenKeyMapBuilder
{
    private readonly int[]? _dense;                 // column id → provisional id, 0 = not seen yet
    private readonly Dictionary<int, int>? _sparse;
    private readonly List<int> _firstSeen = [];     // column id of provisional id i + 1

    /// <summary>Starts learning the used keys of a column of <paramref name="columnKeyCount"/> keys.</summary>
    public TokenKeyMapBuilder(int columnKeyCount, UnseenKeyPolicy policy)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(columnKeyCount, 1);
        ColumnKeyCount = columnKeyCount;
        Policy = policy;
        if (columnKeyCount <= TokenKeyMap.DenseLimit) _dense = new int[columnKeyCount];
        else _sparse = [];
    }

    /// <summary>The column's key count.</summary>
    public int ColumnKeyCount { get; }

    /// <summary>What a missing key in the training data does: it trains the unknown token, or throws.</summary>
    public UnseenKeyPolicy Policy { get; }

    /// <summary>Provisional ids are below this: the unknown token, then at most every key once.</summary>
    public long ProvisionalBound => ColumnKeyCount + 1L;

    /// <summary>
    /// Turns the column ids (key − 1, −1 for the missing key) of row <paramref name="row"/> into provisional ids in place.
    /// </summary>
    /// <exception cref="InvalidDataException">A key is missing and <see cref="Policy"/> is <see cref="UnseenKeyPolicy.Throw"/>.</exception>
    public void ToProvisional(Span<int> ids, string columnName, long row)
    {
        for (int i = 0; i < ids.Length; i++)
        {
            int columnId = ids[i];
            if (columnId < 0)
            {
                if (Policy == UnseenKeyPolicy.Throw)
                    throw new InvalidDataException(
                        $"Row {row} of column '{columnName}' holds the missing key 0 at position {i} and UnseenKeys is {Policy}.");
                ids[i] = 0;
                continue;
            }
            if (_dense != null)
            {
                ref int slot = ref _dense[columnId];
                if (slot == 0)
                {
                    _firstSeen.Add(columnId);
                    slot = _firstSeen.Count;
                }
                ids[i] = slot;
            }
            else
            {
                if (!_sparse!.TryGetValue(columnId, out int slot))
                {
                    _firstSeen.Add(columnId);
                    _sparse.Add(columnId, slot = _firstSeen.Count);
                }
                ids[i] = slot;
            }
        }
    }

    /// <summary>
    /// The learned map, and for each provisional id its id in that map (<c>FinalIds[0]</c> is the unknown token's).
    /// </summary>
    public (TokenKeyMap Map, int[] FinalIds) Build()
    {
        var keys = _firstSeen.Select(c => c + 1).ToArray();
        Array.Sort(keys);
        var map = TokenKeyMap.FromKeys(ColumnKeyCount, keys, Policy);
        var finalIds = new int[_firstSeen.Count + 1];
        finalIds[0] = map.UnknownId;
        for (int p = 0; p < _firstSeen.Count; p++) finalIds[p + 1] = map.ToModelId(_firstSeen[p]);
        return (map, finalIds);
    }
}
