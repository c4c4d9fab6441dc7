using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Trainers.Stateful;

/// <summary>
/// What an <see cref="IStatefulNetwork"/> carries from one piece of a sequence to the next: a few tensors that all
/// hold the batch along <see cref="BatchDimension"/> (an LSTM's h and c are (layers, B, hidden): dimension 1).
/// </summary>
/// <remarks>
/// A state made by <see cref="IStatefulNetwork.Forward"/> belongs to the dispose scope it was made in; one made by
/// <see cref="Detach"/> belongs to no scope and must be disposed by its holder.
/// </remarks>
internal sealed class RecurrentState : IDisposable
{
    private readonly Tensor[] _parts;

    /// <summary>A state of <paramref name="parts"/>, batch along <paramref name="batchDimension"/>.</summary>
    public RecurrentState(int batchDimension, params Tensor[] parts)
    {
        if (parts.Length == 0) throw new ArgumentException("A state has at least one tensor.", nameof(parts));
        BatchDimension = batchDimension;
        _parts = parts;
    }

    /// <summary>The dimension of every part that indexes the batch.</summary>
    public int BatchDimension { get; }

    /// <summary>The tensors, in the network's order.</summary>
    public IReadOnlyList<Tensor> Parts => _parts;

    /// <summary>Sequences in the batch.</summary>
    public long BatchSize => _parts[0].shape[BatchDimension];

    /// <summary>The state of the first <paramref name="count"/> sequences of the batch.</summary>
    public RecurrentState FirstRows(long count) =>
        count == BatchSize ? this : new(BatchDimension, _parts.Select(p => p.narrow(BatchDimension, 0, count).contiguous()).ToArray());

    /// <summary>The states of sequences <paramref name="rows"/> of the batch, in that order (repeats allowed): beam search's reordering.</summary>
    public RecurrentState SelectRows(long[] rows)
    {
        var index = torch.tensor(rows, device: _parts[0].device);
        return new(BatchDimension, _parts.Select(p => p.index_select(BatchDimension, index)).ToArray());
    }

    /// <summary>The states of several batches side by side, in order (each with the same parts and batch dimension).</summary>
    public static RecurrentState Concatenate(IReadOnlyList<RecurrentState> states)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(states.Count, 1, nameof(states));
        int dimension = states[0].BatchDimension;
        return new(dimension, Enumerable.Range(0, states[0].Parts.Count).Select(i => torch.cat(states.Select(s => s.Parts[i]).ToArray(), dimension)).ToArray());
    }

    /// <summary>
    /// A copy cut from the autograd graph (the boundary of truncated back-propagation through time) and from any
    /// dispose scope, so that it outlives the step that made it. Its holder disposes it.
    /// </summary>
    public RecurrentState Detach() => new(BatchDimension, _parts.Select(p => p.detach().DetachFromDisposeScope()).ToArray());

    /// <summary>Disposes the tensors.</summary>
    public void Dispose()
    {
        foreach (var part in _parts) part.Dispose();
    }
}
