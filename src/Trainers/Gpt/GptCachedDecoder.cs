using ArML.Trainers.Generation;
using static TorchSharp.torch;

namespace ArML.Trainers.Gpt;

/// <summary>
/// Decodes a batch of GPT rows with a <see cref="GptKvCache"/>: a prefill pass over the rows' beginnings, then one
/// position per step.
/// </summary>
/// <remarks>
/// Beginnings of different lengths are left-padded so that every row's last id sits in the same slot; a row's filled
/// slots are always its most recent ones (first[row] .. Length−1), each at its position in the row's window. A row
/// whose window slides (<see cref="ContextWindow"/>) has its retained ids re-read in a separate pass and written
/// right-aligned into its slots; when the slots run out, the cache drops the slots no row uses any more.
/// </remarks>
internal sealed class GptCachedDecoder : IStepDecoder
{
    private readonly GptModel _model;
    private readonly Device _device;
    private readonly object _gate;
    private readonly int _context;
    private GptKvCache? _cache;
    private List<int>[] _windows = [];
    private int[] _first = [];

    public GptCachedDecoder(GptModel model, Device device, object gate)
    {
        _model = model;
        _device = device;
        _gate = gate;
        _context = model.Config.ContextLength;
    }

    public int RowCount => _windows.Length;

    public int LogitCount => _model.Config.VocabularySize;

    // A full context plus room for half a context of steps between compactions.
    private int Capacity => _context + ContextWindow.Retained(_context);

    public void Prefill(IReadOnlyList<IReadOnlyList<int>> prefixes, Span<float> logits)
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        ArgumentOutOfRangeException.ThrowIfLessThan(prefixes.Count, 1, nameof(prefixes));
        StepDecoding.CheckLogitSpan(logits, prefixes.Count, LogitCount);
        var windows = prefixes.Select(p => ContextWindow.Start(p, _context)).ToArray();
        foreach (var window in windows) StepDecoding.CheckIds(window, LogitCount);
        _cache?.Dispose();
        _cache = null;
        _windows = windows;
        int rows = windows.Length, length = windows.Max(w => w.Count);
        _first = windows.Select(w => length - w.Count).ToArray();
        var ids = new long[rows * length];
        var positions = new long[rows * length];
        for (int r = 0; r < rows; r++)
            for (int j = _first[r]; j < length; j++)
            {
                ids[r * length + j] = windows[r][j - _first[r]];
                positions[r * length + j] = j - _first[r];
            }
        _cache = new GptKvCache(_model.Config.LayerCount, rows, Capacity);
        Forward(_cache, ids, positions, rows, length, _first.Any(f => f > 0) ? PrefillMask(length) : null, logits);
    }

    public void Append(ReadOnlySpan<int> ids, Span<float> logits)
    {
        var cache = _cache ?? throw new InvalidOperationException("Call Prefill before Append.");
        if (ids.Length != RowCount) throw new ArgumentException($"Append takes one id per row ({RowCount}), not {ids.Length}.", nameof(ids));
        StepDecoding.CheckIds(ids, LogitCount);
        StepDecoding.CheckLogitSpan(logits, RowCount, LogitCount);
        if (cache.Length == cache.Capacity) DropUnusedSlots(cache);
        int rows = RowCount, slot = cache.Length;
        var input = new long[rows];
        var positions = new long[rows];
        var sliding = new List<int>();
        for (int r = 0; r < rows; r++)
        {
            input[r] = ids[r];
            // A row whose window slides is re-read below; in this pass it only needs a valid position.
            positions[r] = Math.Min(_windows[r].Count, _context - 1);
            if (ContextWindow.Push(_windows[r], ids[r], _context)) sliding.Add(r);
        }
        Forward(cache, input, positions, rows, 1, _first.Any(f => f > 0) ? DecodeMask(slot + 1) : null, logits);
        if (sliding.Count > 0) Reread(cache, sliding, slot, logits);
    }

    public void Select(ReadOnlySpan<int> rows)
    {
        var cache = _cache ?? throw new InvalidOperationException("Call Prefill before Select.");
        var index = new long[rows.Length];
        var windows = new List<int>[rows.Length];
        var first = new int[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            int r = rows[i];
            if (r < 0 || r >= RowCount) throw new ArgumentOutOfRangeException(nameof(rows), $"Row {r} is outside 0..{RowCount - 1}.");
            index[i] = r;
            windows[i] = new List<int>(_windows[r]);
            first[i] = _first[r];
        }
        lock (_gate)
        {
            using var scope = NewDisposeScope();
            cache.SelectRows(index);
        }
        _windows = windows;
        _first = first;
    }

    // The re-read windows hold exactly the retained ids; their keys and values replace the rows' slots, right-aligned
    // so that the new id sits in this step's slot.
    private void Reread(GptKvCache cache, List<int> sliding, int slot, Span<float> logits)
    {
        int keep = ContextWindow.Retained(_context), vocabulary = LogitCount;
        var ids = new long[sliding.Count * keep];
        var positions = new long[sliding.Count * keep];
        for (int i = 0; i < sliding.Count; i++)
            for (int j = 0; j < keep; j++)
            {
                ids[i * keep + j] = _windows[sliding[i]][j];
                positions[i * keep + j] = j;
            }
        var rowLogits = new float[sliding.Count * vocabulary];
        using var reread = new GptKvCache(_model.Config.LayerCount, sliding.Count, keep);
        Forward(reread, ids, positions, sliding.Count, keep, null, rowLogits);
        int start = slot + 1 - keep;
        lock (_gate)
        {
            using var scope = NewDisposeScope();
            for (int i = 0; i < sliding.Count; i++)
            {
                int r = sliding[i];
                cache.CopyRow(reread, i, r, start, keep);
                _first[r] = start;
                rowLogits.AsSpan(i * vocabulary, vocabulary).CopyTo(logits.Slice(r * vocabulary, vocabulary));
            }
        }
    }

    // Every row's window is at most a context long, so at least half a context of leading slots is unused by all rows.
    private void DropUnusedSlots(GptKvCache cache)
    {
        int shift = _first.Min();
        if (shift == 0) throw new InvalidOperationException("The cache is full although a row holds no more than the context.");
        lock (_gate)
        {
            using var scope = NewDisposeScope();
            cache.ShiftLeft(shift);
        }
        for (int r = 0; r < _first.Length; r++) _first[r] -= shift;
    }

    private void Forward(GptKvCache cache, long[] ids, long[] positions, int rows, int length, bool[]? mask, Span<float> logits)
    {
        float[] values;
        lock (_gate)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var x = tensor(ids, [rows, length], device: _device);
            var p = tensor(positions, [rows, length], device: _device);
            cache.Begin(length, mask is null ? null : tensor(mask, [rows, 1, length, cache.Length + length], device: _device));
            var output = _model.ForwardCached(x, p, cache);                            // (B, V)
            cache.Commit();
            values = output.to_type(ScalarType.Float32).cpu().data<float>().ToArray();
        }
        values.AsSpan().CopyTo(logits);
    }

    // (rows, 1, T, T): a real position sees its row's real positions up to itself; a padding position only itself, so
    // its (unused) attention stays finite.
    private bool[] PrefillMask(int length)
    {
        var mask = new bool[RowCount * length * length];
        for (int r = 0; r < RowCount; r++)
            for (int i = 0; i < length; i++)
                for (int j = 0; j <= i; j++)
                    mask[(r * length + i) * length + j] = j >= _first[r] || j == i;
        return mask;
    }

    // (rows, 1, 1, S): the new position sees its row's filled slots.
    private bool[] DecodeMask(int slots)
    {
        var mask = new bool[RowCount * slots];
        for (int r = 0; r < RowCount; r++)
            for (int j = _first[r]; j < slots; j++) mask[r * slots + j] = true;
        return mask;
    }

    public void Dispose()
    {
        _cache?.Dispose();
        _cache = null;
    }
}
