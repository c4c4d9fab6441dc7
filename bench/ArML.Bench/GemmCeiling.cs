using System.Diagnostics;
using static TorchSharp.torch;

namespace ArML.Bench;

/// <summary>A matrix product (M×K)·(K×N), as a linear layer computes it, <see cref="Count"/> times per forward pass.</summary>
internal sealed record GemmShape(string Name, int Rows, int Inner, int Columns, int Count = 1)
{
    public double Flops => 2.0 * Rows * Inner * Columns;

    public string Size => $"{Rows}×{Inner}×{Columns}";
}

/// <summary>A product's measured rate in GFLOP/s: median and 10th/90th percentiles of the timed repeats.</summary>
internal sealed record GemmRate(GemmShape Shape, double Median, double P10, double P90);

/// <summary>
/// libtorch's matrix-product rate, the ceiling against which the GPT benchmark reports model FLOP utilisation. A single
/// timing of one product misleads on a shared machine (the first call also allocates and picks kernels, and a busy
/// neighbour can halve one sample), so each product is warmed up, then timed in repeats of enough calls to last
/// <see cref="RepeatSeconds"/>, and summarised by the median with p10/p90 to show the spread.
/// </summary>
internal static class GemmCeiling
{
    private const int WarmupCalls = 3;
    private const int Repeats = 15;
    private const double RepeatSeconds = 0.02;

    /// <summary>The large square product: close to the best rate libtorch reaches in a precision.</summary>
    public static readonly GemmShape Square = new("square", 2048, 2048, 2048);

    /// <summary>The products of one forward pass of a GPT: per layer attention in/out and MLP in/out, then the head.</summary>
    public static GemmShape[] ModelShapes(int layers, int tokens, int width, int vocabulary) =>
    [
        new("attention in", tokens, width, 3 * width, layers),
        new("attention out", tokens, width, width, layers),
        new("MLP in", tokens, width, 4 * width, layers),
        new("MLP out", tokens, 4 * width, width, layers),
        new("head", tokens, width, vocabulary),
    ];

    /// <summary>Times <paramref name="shape"/> in <paramref name="type"/> at libtorch's current thread count.</summary>
    public static GemmRate Measure(GemmShape shape, ScalarType type)
    {
        using var scope = NewDisposeScope();
        var x = randn(shape.Rows, shape.Inner).to_type(type);
        var weight = randn(shape.Columns, shape.Inner).to_type(type);   // (out, in), as nn.Linear keeps it
        Time(x, weight, WarmupCalls);
        int calls = Math.Max(1, (int)Math.Ceiling(RepeatSeconds / Time(x, weight, 1)));
        var rates = new double[Repeats];
        for (int r = 0; r < Repeats; r++) rates[r] = shape.Flops * calls / Time(x, weight, calls) / 1e9;
        return new GemmRate(shape, Measurements.Median(rates), Measurements.Percentile(rates, 0.1), Measurements.Percentile(rates, 0.9));
    }

    /// <summary>
    /// The rate of a forward pass's product mix (each product's median weighted by its share of the FLOPs): the
    /// ceiling a model of these shapes can reach if nothing but its matrix products took time.
    /// </summary>
    public static double MixRate(IReadOnlyCollection<GemmRate> rates) =>
        rates.Sum(r => r.Shape.Flops * r.Shape.Count) / rates.Sum(r => r.Shape.Flops * r.Shape.Count / r.Median);

    private static double Time(Tensor x, Tensor weight, int calls)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < calls; i++)
            using (nn.functional.linear(x, weight)) { }
        return clock.Elapsed.TotalSeconds;
    }
}
