using System.Diagnostics;
using ArML.Torch;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ArML.Bench;

/// <summary>
/// Causal self-attention forward + backward at the GPT small configuration's shape (batch 12, 4 heads, 64 positions,
/// 32 features per head): libtorch's fused kernel against the explicit masked softmax, in bfloat16 and float32, at
/// 1 and 2 threads (median ms of 50 calls). Arguments: optional batch size.
/// </summary>
internal static class AttentionBenchmark
{
    public static int Run(string[] args)
    {
        TorchRuntime.EnsureInitialized();
        long batch = args.Length > 0 ? long.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 12;
        foreach (int threads in new[] { 1, 2 })
        {
            torch.set_num_threads(threads);
            foreach (var type in new[] { ScalarType.BFloat16, ScalarType.Float32 })
                foreach (bool fused in new[] { true, false })
                    Console.WriteLine($"{(fused ? "fused SDPA" : "explicit softmax"),-17} {type,-9} {threads} thread(s): forward + backward {Median(batch, type, fused):F2} ms");
        }
        torch.set_num_threads(Environment.ProcessorCount);
        return 0;
    }

    private static double Median(long batch, ScalarType type, bool fused)
    {
        const long heads = 4, positions = 64, features = 32;
        var times = new List<double>();
        for (int i = 0; i < 60; i++)
        {
            using var scope = NewDisposeScope();
            Tensor Input() => randn(batch, heads, positions, features).to_type(type).requires_grad_();
            var (q, k, v) = (Input(), Input(), Input());
            var gradient = randn(batch, heads, positions, features).to_type(type);
            var clock = Stopwatch.StartNew();
            var y = fused ? F.scaled_dot_product_attention(q, k, v, is_casual: true) : Explicit(q, k, v);
            y.backward([gradient]);
            if (i >= 10) times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return Measurements.Median(times);
    }

    private static Tensor Explicit(Tensor q, Tensor k, Tensor v)
    {
        long t = q.shape[2];
        using var future = ones(t, t, dtype: ScalarType.Bool).triu(1);
        var scores = matmul(q, k.transpose(-2, -1)).to_type(ScalarType.Float32) * (1.0 / Math.Sqrt(q.shape[3]));
        return matmul(scores.masked_fill(future, double.NegativeInfinity).softmax(-1).to_type(q.dtype), v);
    }
}
