using ArML.Trainers.Generation;
using static TorchSharp.torch;

namespace ArML.Trainers.Stateful;

/// <summary>
/// Decodes rows of an <see cref="IStatefulNetwork"/> step by step. Cached: each row's state is carried, so a step
/// reads only the id just appended (an LSTM or GRU one cell step per layer, the baseline its window). Recompute: every
/// step reads each row whole from the initial state, through the same forward pass as scoring (the reference), or only
/// its last <see cref="IStatefulNetwork.ReceptiveField"/> ids where the network's is bounded (a WaveNet: the naive
/// generation that recomputes the receptive field at every sample).
/// </summary>
/// <remarks>
/// A prefix is read on its own (prefixes differ in length, and a recurrent state must stop at a row's own last id);
/// the states are then stacked along the network's batch dimension and move as one batch from there on.
/// </remarks>
internal sealed class StatefulStepDecoder : IStepDecoder
{
    private readonly IStatefulNetwork _network;
    private readonly Device _device;
    private readonly object _gate;
    private readonly bool _recompute;
    private List<int>[] _rows = [];   // every id of each row, as recomputation re-reads them
    private RecurrentState? _state;   // cached: the state after each row's last id, rows along the batch dimension

    public StatefulStepDecoder(IStatefulNetwork network, Device device, object gate, bool recompute)
    {
        _network = network;
        _device = device;
        _gate = gate;
        _recompute = recompute;
    }

    public int RowCount => _rows.Length;

    public int LogitCount => _network.VocabularySize;

    public void Prefill(IReadOnlyList<IReadOnlyList<int>> prefixes, Span<float> logits)
    {
        StepDecoding.CheckPrefill(prefixes, logits, LogitCount);
        var rows = prefixes.Select(p => p.ToList()).ToArray();
        lock (_gate)
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var states = new RecurrentState[rows.Length];
            for (int r = 0; r < rows.Length; r++) states[r] = ReadWhole(rows[r], logits.Slice(r * LogitCount, LogitCount));
            Replace(_recompute ? null : RecurrentState.Concatenate(states).Detach());
        }
        _rows = rows;
    }

    public void Append(ReadOnlySpan<int> ids, Span<float> logits)
    {
        StepDecoding.CheckAppend(ids, RowCount, logits, LogitCount);
        for (int r = 0; r < RowCount; r++) _rows[r].Add(ids[r]);
        lock (_gate)
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            if (_recompute)
            {
                for (int r = 0; r < RowCount; r++) ReadWhole(_rows[r], logits.Slice(r * LogitCount, LogitCount), _network.ReceptiveField);
                return;
            }
            var input = new long[ids.Length];
            for (int r = 0; r < input.Length; r++) input[r] = ids[r];
            var (output, next) = _network.Forward(tensor(input, [input.Length, 1], device: _device), _state!);   // (B, 1, V)
            Copy(output.reshape(input.Length, LogitCount), logits);
            Replace(next.Detach());
        }
    }

    public void Select(ReadOnlySpan<int> rows)
    {
        StepDecoding.CheckRows(rows, RowCount);
        var kept = new List<int>[rows.Length];
        var index = new long[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            kept[i] = new List<int>(_rows[rows[i]]);
            index[i] = rows[i];
        }
        if (!_recompute)
        {
            lock (_gate)
            {
                using var scope = NewDisposeScope();
                Replace(_state!.SelectRows(index).Detach());
            }
        }
        _rows = kept;
    }

    // Reads a row (or only its last `window` ids) from the initial state; writes the logits after its last id and returns
    // the state there (in the caller's scope; after a partial read it is not the row's state, and it is only used whole).
    private RecurrentState ReadWhole(List<int> row, Span<float> logits, int? window = null)
    {
        int start = window is int w ? Math.Max(0, row.Count - w) : 0, count = row.Count - start;
        var ids = tensor(row.Skip(start).Select(id => (long)id).ToArray(), [1, count], device: _device);
        var (output, state) = _network.Forward(ids, _network.InitialState(1, _device));                 // (1, T, V)
        Copy(output[0, count - 1], logits);
        return state;
    }

    private static void Copy(Tensor values, Span<float> logits) =>
        values.to_type(ScalarType.Float32).cpu().data<float>().ToArray().AsSpan().CopyTo(logits);

    private void Replace(RecurrentState? state)
    {
        _state?.Dispose();
        _state = state;
    }

    public void Dispose()
    {
        Replace(null);
        _rows = [];
    }
}
