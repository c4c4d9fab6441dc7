using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ArML.Trainers.Lstm;

/// <summary>
/// The recurrence of one evaluation-mode LSTM layer over a piece, in float32 on the CPU: given every position's input
/// projection (x·W_ihᵀ + b_ih + b_hh, one matrix product for the whole piece), each step adds W_hh·h and applies the
/// cell. Scoring one long row is this loop and nothing else that is sequential, so it is written for its cost: per
/// step one pass over W_hh (4H × H), laid out so that the pass streams it once with the partial sums in registers,
/// then a handful of vector operations of length H; no allocation and no native call per step.
/// </summary>
/// <remarks>
/// libtorch's own CPU recurrence issues about a dozen operators per step and layer (a matrix product, chunking, the
/// activations, a copy), each costing microseconds of dispatch and allocation beside the arithmetic; oneDNN's fused
/// kernel, which avoids that, returns wrong hidden states for some widths on AVX-512 CPUs (see
/// <see cref="LstmModel"/>). Training never comes here: it needs libtorch's autograd.
/// </remarks>
internal sealed class LstmRecurrence
{
    // Gate rows per block: eight 8-float accumulators stay in registers while a block's columns stream past.
    private const int Lanes = 8;
    private const int Block = 8 * Lanes;

    private readonly float[] _packed;   // W_hh by blocks of 64 gate rows: [block][column][64], zero past row 4H
    private readonly int _hidden;
    private readonly int _blocks;

    /// <summary>Lays out <paramref name="recurrentWeights"/> (W_hh: 4·<paramref name="hidden"/> × hidden, row-major) for the step loop.</summary>
    public LstmRecurrence(ReadOnlySpan<float> recurrentWeights, int hidden)
    {
        int rows = 4 * hidden;
        if (recurrentWeights.Length != (long)rows * hidden)
            throw new ArgumentException($"W_hh has {recurrentWeights.Length} values, not {rows} × {hidden}.", nameof(recurrentWeights));
        _hidden = hidden;
        _blocks = (rows + Block - 1) / Block;
        _packed = new float[(long)_blocks * hidden * Block];
        for (int row = 0; row < rows; row++)
        {
            int block = row / Block, lane = row % Block;
            var weights = recurrentWeights.Slice(row * hidden, hidden);
            for (int j = 0; j < hidden; j++) _packed[((long)block * hidden + j) * Block + lane] = weights[j];
        }
    }

    /// <summary>
    /// Runs <paramref name="steps"/> positions of one sequence: <paramref name="inputGates"/> holds each position's
    /// input projection (steps × 4H: input, forget, cell and output gates), <paramref name="h"/> and
    /// <paramref name="c"/> the state before the first position, replaced by the state after the last;
    /// <paramref name="outputs"/> receives each position's hidden state (steps × H).
    /// </summary>
    public void Run(ReadOnlySpan<float> inputGates, int steps, Span<float> h, Span<float> c, Span<float> outputs)
    {
        int hidden = _hidden;
        var gates = new float[_blocks * Block];
        var scratch = new float[hidden];
        ReadOnlySpan<float> previous = h;
        for (int t = 0; t < steps; t++)
        {
            RecurrentProduct(previous, gates);
            var g = gates.AsSpan(0, 4 * hidden);
            TensorPrimitives.Add(g, inputGates.Slice(t * 4 * hidden, 4 * hidden), g);
            var inputAndForget = g[..(2 * hidden)];
            var candidate = g.Slice(2 * hidden, hidden);
            var output = g.Slice(3 * hidden, hidden);
            TensorPrimitives.Sigmoid(inputAndForget, inputAndForget);
            TensorPrimitives.Tanh(candidate, candidate);
            TensorPrimitives.Sigmoid(output, output);
            TensorPrimitives.Multiply(g.Slice(hidden, hidden), c, c);                 // c = f·c + i·g
            TensorPrimitives.MultiplyAdd(g[..hidden], candidate, c, c);
            TensorPrimitives.Tanh(c, scratch);                                        // h = o·tanh(c)
            var next = outputs.Slice(t * hidden, hidden);
            TensorPrimitives.Multiply(output, scratch, next);
            previous = next;
        }
        previous.CopyTo(h);
    }

    // gates[0 .. 64·blocks) = W_hh·h: each block's 64 rows accumulate column by column, h[j] broadcast.
    private void RecurrentProduct(ReadOnlySpan<float> h, Span<float> gates)
    {
        int hidden = _hidden;
        ref float weights = ref MemoryMarshal.GetArrayDataReference(_packed);
        ref float x = ref MemoryMarshal.GetReference(h);
        ref float result = ref MemoryMarshal.GetReference(gates);
        for (int block = 0; block < _blocks; block++)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            ref float column = ref Unsafe.Add(ref weights, (nint)block * hidden * Block);
            for (int j = 0; j < hidden; j++)
            {
                var v = Vector256.Create(Unsafe.Add(ref x, j));
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref column, 0 * Lanes), v, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref column, 1 * Lanes), v, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref column, 2 * Lanes), v, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref column, 3 * Lanes), v, a3);
                a4 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref column, 4 * Lanes), v, a4);
                a5 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref column, 5 * Lanes), v, a5);
                a6 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref column, 6 * Lanes), v, a6);
                a7 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref column, 7 * Lanes), v, a7);
                column = ref Unsafe.Add(ref column, Block);
            }
            ref float o = ref Unsafe.Add(ref result, block * Block);
            a0.StoreUnsafe(ref o, 0 * Lanes);
            a1.StoreUnsafe(ref o, 1 * Lanes);
            a2.StoreUnsafe(ref o, 2 * Lanes);
            a3.StoreUnsafe(ref o, 3 * Lanes);
            a4.StoreUnsafe(ref o, 4 * Lanes);
            a5.StoreUnsafe(ref o, 5 * Lanes);
            a6.StoreUnsafe(ref o, 6 * Lanes);
            a7.StoreUnsafe(ref o, 7 * Lanes);
        }
    }
}
