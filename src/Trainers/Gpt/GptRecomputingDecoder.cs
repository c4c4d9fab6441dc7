using ArML.Trainers.Generation;
using static TorchSharp.torch;

namespace ArML.Trainers.Gpt;

/// <summary>
/// Decodes GPT rows without a cache: every step runs the model's ordinary forward pass over each row's whole window
/// (<see cref="ContextWindow"/>). The reference for <see cref="GptCachedDecoder"/> and the decoding benchmark's baseline.
/// </summary>
internal sealed class GptRecomputingDecoder : IStepDecoder
{
    private readonly GptModel _model;
    private readonly Device _device;
    private readonly object _gate;
    private readonly int _context;
    private List<int>[] _windows = [];

    public GptRecomputingDecoder(GptModel model, Device device, object gate)
    {
        _model = model;
        _device = device;
        _gate = gate;
        _context = model.Config.ContextLength;
    }

    public int RowCount => _windows.Length;

    public int LogitCount => _model.Config.VocabularySize;

    public void Prefill(IReadOnlyList<IReadOnlyList<int>> prefixes, Span<float> logits)
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        ArgumentOutOfRangeException.ThrowIfLessThan(prefixes.Count, 1, nameof(prefixes));
        StepDecoding.CheckLogitSpan(logits, prefixes.Count, LogitCount);
        var windows = prefixes.Select(p => ContextWindow.Start(p, _context)).ToArray();
        foreach (var window in windows) StepDecoding.CheckIds(window, LogitCount);
        _windows = windows;
        for (int r = 0; r < windows.Length; r++) Forward(windows[r], logits.Slice(r * LogitCount, LogitCount));
    }

    public void Append(ReadOnlySpan<int> ids, Span<float> logits)
    {
        if (ids.Length != RowCount) throw new ArgumentException($"Append takes one id per row ({RowCount}), not {ids.Length}.", nameof(ids));
        StepDecoding.CheckIds(ids, LogitCount);
        StepDecoding.CheckLogitSpan(logits, RowCount, LogitCount);
        for (int r = 0; r < RowCount; r++)
        {
            ContextWindow.Push(_windows[r], ids[r], _context);
            Forward(_windows[r], logits.Slice(r * LogitCount, LogitCount));
        }
    }

    public void Select(ReadOnlySpan<int> rows)
    {
        var windows = new List<int>[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            if (rows[i] < 0 || rows[i] >= RowCount) throw new ArgumentOutOfRangeException(nameof(rows), $"Row {rows[i]} is outside 0..{RowCount - 1}.");
            windows[i] = new List<int>(_windows[rows[i]]);
        }
        _windows = windows;
    }

    private void Forward(List<int> window, Span<float> logits)
    {
        float[] values;
        lock (_gate)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var x = tensor(window.Select(id => (long)id).ToArray(), [1, window.Count], device: _device);
            values = _model.call(x)[0, window.Count - 1].to_type(ScalarType.Float32).cpu().data<float>().ToArray();
        }
        values.AsSpan().CopyTo(logits);
    }

    public void Dispose() => _windows = [];
}
