using ArML.Trainers.Density;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Trainers.VectorQuantization;

/// <summary>
/// A trained VQ-VAE's encoding and decoding on float arrays, batched, with one forward pass at a time (the network is
/// shared by every cursor and caller).
/// </summary>
internal sealed class VectorQuantizerModel : IDisposable
{
    private readonly object _gate = new();

    public VectorQuantizerModel(VectorQuantizerNetwork network, Device device)
    {
        Network = network;
        Device = device;
        network.eval();
    }

    public VectorQuantizerNetwork Network { get; }

    public Device Device { get; }

    public VectorQuantizerShape Shape => Network.Shape;

    /// <summary>Codes (zero-based, <see cref="VectorQuantizerShape.CodeCount"/> per image) of <paramref name="count"/> images laid side by side.</summary>
    public void Encode(ReadOnlySpan<float> images, int count, Span<int> codes)
    {
        var s = Shape;
        lock (_gate)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var x = FloatTensors.FromSpan(images[..(count * s.Dimension)], [count, s.Height, s.Width, s.Channels], Device).permute(0, 3, 1, 2);
            var assigned = Network.Assign(Network.Encode(x)).to(ScalarType.Int32).cpu().contiguous();
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(assigned.bytes).CopyTo(codes[..(count * s.CodeCount)]);
        }
    }

    /// <summary>Images (values side by side, row-major with channels last) decoded from <paramref name="count"/> code grids.</summary>
    public void Decode(ReadOnlySpan<int> codes, int count, Span<float> images)
    {
        var s = Shape;
        lock (_gate)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var grid = tensor(codes[..(count * s.CodeCount)].ToArray(), [count, s.GridHeight, s.GridWidth], ScalarType.Int64).to(Device);
            var decoded = Network.Decode(Network.Lookup(grid)).permute(0, 2, 3, 1).contiguous();
            FloatTensors.CopyTo(decoded, images[..(count * s.Dimension)]);
        }
    }

    /// <summary>Reconstruction error and code usage of the images <paramref name="data"/> holds (at most <paramref name="maxRows"/>, evenly spaced).</summary>
    public VectorQuantizerMetrics Measure(DensityData data, int maxRows, int batchSize, long restarts)
    {
        var s = Shape;
        int rows = Math.Min(maxRows, data.Rows);
        var counts = new long[s.CodebookSize];
        double squaredError = 0;
        var images = new float[batchSize * s.Dimension];
        var decoded = new float[images.Length];
        var codes = new int[batchSize * s.CodeCount];
        for (int start = 0; start < rows; start += batchSize)
        {
            int count = Math.Min(batchSize, rows - start);
            for (int i = 0; i < count; i++)
                data.CopyRow((int)((long)(start + i) * data.Rows / rows), images.AsSpan(i * s.Dimension, s.Dimension));
            Encode(images, count, codes);
            Decode(codes, count, decoded);
            for (int i = 0; i < count * s.CodeCount; i++) counts[codes[i]]++;
            for (int i = 0; i < count * s.Dimension; i++) squaredError += (double)(decoded[i] - images[i]) * (decoded[i] - images[i]);
        }
        return new VectorQuantizerMetrics(rows, squaredError / ((double)rows * s.Dimension), VectorQuantizerMetrics.Perplexity(counts),
            counts.Count(c => c > 0), restarts);
    }

    public void Dispose() => Network.Dispose();
}
