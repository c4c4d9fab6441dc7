using static TorchSharp.torch;

namespace ArML.Trainers.Gpt;

/// <summary>
/// The keys and values every attention layer computed for the positions decoded so far, for a batch of rows, so
/// each new position costs one position's work instead of a pass over the whole window.
/// </summary>
/// <remarks>
/// Storage is a preallocated buffer of <see cref="Capacity"/> slots per row and layer: (rows, heads, Capacity,
/// head size). Slots 0..<see cref="Length"/>−1 are filled; every row uses the same slots, so rows of different
/// lengths leave some slots unused (padding), which the <see cref="Mask"/> of each forward pass hides. Buffers are
/// created on the first <see cref="Append"/>, in the dtype and on the device of the keys. Not thread-safe.
/// </remarks>
internal sealed class GptKvCache : IDisposable
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;
    private int _pending;

    /// <summary>An empty cache for <paramref name="rows"/> rows of a model with <paramref name="layers"/> layers.</summary>
    public GptKvCache(int layers, int rows, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _keys = new Tensor?[layers];
        _values = new Tensor?[layers];
        Rows = rows;
        Capacity = capacity;
    }

    /// <summary>Rows of the batch.</summary>
    public int Rows { get; private set; }

    /// <summary>Slots per row.</summary>
    public int Capacity { get; }

    /// <summary>Filled slots (the same for every row).</summary>
    public int Length { get; private set; }

    /// <summary>
    /// For the forward pass under way: which slots each new position attends to, (rows, 1, new, Length + new) bool,
    /// or null when every row sees all earlier slots (then <see cref="IsCausal"/> says whether new positions see
    /// each other causally).
    /// </summary>
    public Tensor? Mask { get; private set; }

    /// <summary>For the forward pass under way without a mask: whether several new positions attend causally.</summary>
    public bool IsCausal { get; private set; }

    /// <summary>
    /// Announces a forward pass of <paramref name="count"/> new positions per row, stored at slots Length .. Length+count−1.
    /// Without a mask, several new positions are only allowed into an empty cache (a plain causal pass).
    /// </summary>
    public void Begin(int count, Tensor? mask)
    {
        if (Length + count > Capacity)
            throw new InvalidOperationException($"The cache holds {Capacity} slots; {Length} are filled and {count} more do not fit.");
        if (mask is null && count > 1 && Length > 0)
            throw new InvalidOperationException("Several positions appended to a filled cache need a mask.");
        _pending = count;
        Mask = mask;
        IsCausal = mask is null && count > 1;
    }

    /// <summary>
    /// Stores layer <paramref name="layer"/>'s keys and values of the new positions, (rows, heads, new, head size), and
    /// returns the layer's keys and values of all filled slots including them.
    /// </summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        if (_pending == 0) throw new InvalidOperationException("Append without Begin.");
        _keys[layer] ??= Allocate(k);
        _values[layer] ??= Allocate(v);
        _keys[layer]!.narrow(2, Length, _pending).copy_(k);
        _values[layer]!.narrow(2, Length, _pending).copy_(v);
        return (_keys[layer]!.narrow(2, 0, Length + _pending), _values[layer]!.narrow(2, 0, Length + _pending));
    }

    /// <summary>Ends the forward pass: its positions become filled slots.</summary>
    public void Commit()
    {
        Length += _pending;
        _pending = 0;
        Mask = null;
        IsCausal = false;
    }

    /// <summary>Keeps rows <paramref name="rows"/> (new row i is old row rows[i]; repeats copy a row).</summary>
    public void SelectRows(long[] rows)
    {
        if (_keys[0] is Tensor first)
        {
            using var index = tensor(rows, device: first.device);
            for (int layer = 0; layer < _keys.Length; layer++)
            {
                _keys[layer] = Replace(_keys[layer], t => t.index_select(0, index));
                _values[layer] = Replace(_values[layer], t => t.index_select(0, index));
            }
        }
        Rows = rows.Length;
    }

    /// <summary>Moves every row's slots <paramref name="shift"/> places to the front, dropping the first ones.</summary>
    public void ShiftLeft(int shift)
    {
        if (shift < 0 || shift > Length) throw new ArgumentOutOfRangeException(nameof(shift));
        int kept = Length - shift;
        foreach (var buffers in new[] { _keys, _values })
            foreach (var buffer in buffers)
            {
                if (buffer is null) continue;
                using var moved = buffer.narrow(2, shift, kept).clone();   // the ranges overlap: copy out first
                using var target = buffer.narrow(2, 0, kept);
                target.copy_(moved);
            }
        Length = kept;
    }

    /// <summary>
    /// Copies <paramref name="count"/> slots of row <paramref name="sourceRow"/> of <paramref name="source"/> (from its
    /// first slot) into row <paramref name="targetRow"/> of this cache from slot <paramref name="targetSlot"/> on.
    /// </summary>
    public void CopyRow(GptKvCache source, int sourceRow, int targetRow, int targetSlot, int count)
    {
        for (int layer = 0; layer < _keys.Length; layer++)
        {
            CopySlots(source._keys[layer], _keys[layer], sourceRow, targetRow, targetSlot, count);
            CopySlots(source._values[layer], _values[layer], sourceRow, targetRow, targetSlot, count);
        }
    }

    private static void CopySlots(Tensor? from, Tensor? to, int sourceRow, int targetRow, int targetSlot, int count)
    {
        if (from is null || to is null) throw new InvalidOperationException("Both caches must have been filled before copying.");
        using var source = from.select(0, sourceRow).narrow(1, 0, count);        // (heads, count, hs)
        using var target = to.select(0, targetRow).narrow(1, targetSlot, count);
        target.copy_(source);
    }

    // The buffers outlive every forward pass, so they are kept out of the caller's dispose scope.
    private Tensor Allocate(Tensor like) =>
        zeros([Rows, like.shape[1], Capacity, like.shape[3]], dtype: like.dtype, device: like.device).DetachFromDisposeScope();

    private static Tensor? Replace(Tensor? old, Func<Tensor, Tensor> make)
    {
        if (old is null) return null;
        var replacement = make(old).DetachFromDisposeScope();
        old.Dispose();
        return replacement;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var t in _keys) t?.Dispose();
        foreach (var t in _values) t?.Dispose();
        Array.Clear(_keys);
        Array.Clear(_values);
    }
}
