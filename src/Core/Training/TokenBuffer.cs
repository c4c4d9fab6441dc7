namespace ArML.Training;

/// <summary>
/// A growable, compact buffer of token ids: 2 bytes per token when every id fits in 16 bits, else 4.
/// Training reads its data once through a cursor into one of these.
/// </summary>
internal sealed class TokenBuffer
{
    private ushort[]? _narrow;
    private int[]? _wide;

    /// <summary>Creates a buffer for ids in [0, <paramref name="vocabularySize"/>).</summary>
    public TokenBuffer(int vocabularySize, int initialCapacity = 1 << 16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, 1);
        VocabularySize = vocabularySize;
        if (vocabularySize <= ushort.MaxValue + 1) _narrow = new ushort[Math.Max(16, initialCapacity)];
        else _wide = new int[Math.Max(16, initialCapacity)];
    }

    /// <summary>Ids are below this.</summary>
    public int VocabularySize { get; private set; }

    /// <summary>Tokens stored.</summary>
    public long Length { get; private set; }

    /// <summary>Bytes used per token (2 or 4).</summary>
    public int BytesPerToken => _narrow != null ? 2 : 4;

    /// <summary>Appends one id.</summary>
    public void Add(int id)
    {
        if ((uint)id >= (uint)VocabularySize)
            throw new ArgumentOutOfRangeException(nameof(id), $"Token id {id} is outside [0, {VocabularySize}).");
        int capacity = _narrow?.Length ?? _wide!.Length;
        if (Length == capacity) Grow();
        if (_narrow != null) _narrow[Length++] = (ushort)id;
        else _wide![Length++] = id;
    }

    /// <summary>Appends ids.</summary>
    public void AddRange(ReadOnlySpan<int> ids)
    {
        foreach (int id in ids) Add(id);
    }

    /// <summary>The id at <paramref name="index"/>.</summary>
    public int this[long index] => _narrow != null ? _narrow[index] : _wide![index];

    /// <summary>Copies <paramref name="destination"/>.Length ids starting at <paramref name="start"/>.</summary>
    public void CopyTo(long start, Span<long> destination)
    {
        if (start < 0 || start + destination.Length > Length) throw new ArgumentOutOfRangeException(nameof(start));
        if (_narrow != null)
            for (int i = 0; i < destination.Length; i++) destination[i] = _narrow[start + i];
        else
            for (int i = 0; i < destination.Length; i++) destination[i] = _wide![start + i];
    }

    /// <summary>
    /// Replaces every id by <paramref name="map"/>(id), ids then being below <paramref name="vocabularySize"/>; the storage
    /// narrows to 2 bytes per token when they fit (training reads provisional ids, then renumbers them in place).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A mapped id is outside [0, <paramref name="vocabularySize"/>).</exception>
    public void Remap(Func<int, int> map, int vocabularySize)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, 1);
        bool narrow = vocabularySize <= ushort.MaxValue + 1;
        if (!narrow && _narrow != null)
            throw new ArgumentOutOfRangeException(nameof(vocabularySize), "A 2-byte token buffer cannot be remapped to a wider vocabulary.");
        var narrowed = narrow && _narrow == null ? new ushort[Math.Max(16, Length)] : null;
        for (long i = 0; i < Length; i++)
        {
            int id = map(this[i]);
            if ((uint)id >= (uint)vocabularySize)
                throw new ArgumentOutOfRangeException(nameof(map), $"Token id {id} is outside [0, {vocabularySize}).");
            if (narrowed != null) narrowed[i] = (ushort)id;
            else if (_narrow != null) _narrow[i] = (ushort)id;
            else _wide![i] = id;
        }
        if (narrowed != null)
        {
            _narrow = narrowed;
            _wide = null;
        }
        VocabularySize = vocabularySize;
    }

    /// <summary>Appends the stored ids and their width to <paramref name="hash"/> (one pass over the buffer).</summary>
    public void HashInto(ContentHash hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        hash.Append(BytesPerToken);
        hash.Append(Length);
        if (_narrow != null) hash.Append<ushort>(_narrow.AsSpan(0, (int)Length));
        else hash.Append<int>(_wide!.AsSpan(0, (int)Length));
    }

    private void Grow()
    {
        long capacity = (_narrow?.Length ?? _wide!.Length) * 2L;
        if (capacity > Array.MaxLength) capacity = Array.MaxLength;
        if (capacity <= Length) throw new InvalidOperationException("The token buffer cannot grow past the largest .NET array.");
        if (_narrow != null) Array.Resize(ref _narrow, (int)capacity);
        else Array.Resize(ref _wide, (int)capacity);
    }
}
