using System.Diagnostics;
using ArML.Torch;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ArML.Bench;

/// <summary>Per-call cost (median µs over batches of calls, one thread) of small libtorch operations, to see what a GPT pass pays per operation.</summary>
internal static class OpCostBenchmark
{
    public static int Run(string[] args)
    {
        // "mkl-own": MKL's own kernel choice (its AVX2 kernels on AMD) instead of ArML's choice by instruction set.
        if (args.Contains("mkl-own")) TorchRuntime.Configure(new TorchRuntimeOptions { MklKernelsByInstructionSet = false });
        TorchRuntime.EnsureInitialized();
        torch.set_num_threads(1);
        using var tiny = ones(1);
        using var tinyGrad = ones(1).requires_grad_();
        Report("add, 1 element", () => KeptScalar.Add(tiny, tiny).Dispose());
        Report("add, 1 element, autograd", () => KeptScalar.Add(tinyGrad, tinyGrad).Dispose());
        Report("to bf16, 1 element", () => tiny.to_type(ScalarType.BFloat16).Dispose());
        // Weight-sized passes at the small configuration's size (its linear layers hold 0.8M weights).
        using var master = randn(800_000).abs_();
        using var masterGrad = randn(800_000);
        using var leafGrad = randn(800_000).to_type(ScalarType.BFloat16);
        Report("cast 0.8M f32 -> bf16", () => master.to_type(ScalarType.BFloat16).Dispose());
        Report("add_ 0.8M f32 += bf16", () => KeptScalar.AddInPlace(masterGrad, leafGrad));
        Report("add_ 0.8M f32 += f32", () => KeptScalar.AddInPlace(masterGrad, master));
        Report("sqrt 0.8M f32 (new)", () => master.sqrt().Dispose());   // of non-negative values, as AdamW's (NaNs take MKL's slow path)
        Report("zero_ 0.8M f32", () => masterGrad.zero_());
        // AdamW's √v + ε where v is zero (a gradient that has always been zero): MKL's square root takes a per-element
        // path for zeros; FlatAdamW raises v to a floor first (the same result, one pass more).
        using var zeroMoments = zeros(800_000);
        using var floor = 1e-36.ToScalar();
        using var epsilon = 1e-9.ToScalar();
        Report("√v + ε 0.8M, v > 0, plain (new)", () => KeptScalar.AddInPlace(master.sqrt(), epsilon).Dispose());
        Report("√v + ε 0.8M, v > 0, floored (new)", () => KeptScalar.AddInPlace(master.clamp_min(floor).sqrt_(), epsilon).Dispose());
        Report("√v + ε 0.8M, v = 0, plain (new)", () => KeptScalar.AddInPlace(zeroMoments.sqrt(), epsilon).Dispose());
        Report("√v + ε 0.8M, v = 0, floored (new)", () => KeptScalar.AddInPlace(zeroMoments.clamp_min(floor).sqrt_(), epsilon).Dispose());
        AdamWOnAnEmbedding();
        // A linear layer of the small configuration's attention (128 → 384) at one row of 64 positions and at six (one half of
        // a batch of 12): the straight line through the two gives a product's fixed cost per call, paid whatever the rows.
        foreach (var type in new[] { ScalarType.Float32, ScalarType.BFloat16 })
        {
            using var w = randn(384, 128).to_type(type);
            var times = new Dictionary<long, double>();
            foreach (long rows in new long[] { 64, 384 })
            {
                using var x = randn(rows / 64, 64, 128).to_type(type);
                times[rows] = Report($"linear {type} ({rows / 64}, 64, 128) @ 128x384", () => F.linear(x, w).Dispose());
            }
            double perRow = (times[384] - times[64]) / 320;
            Console.WriteLine($"  {type}: fixed cost per product {times[64] - 64 * perRow:F1} µs, then {perRow * 1000:F0} ns per row");
        }
        return 0;
    }

    // A FlatAdamW step over an untied embedding of 50,000 × 128 whose batches reach 2% of the tokens, against the same
    // step where every row has a gradient: the step's own code, before and after it floored v.
    private static void AdamWOnAnEmbedding()
    {
        foreach (double reached in new[] { 0.02, 1.0 })
        {
            using var embedding = randn(50_000, 128).requires_grad_();
            using var optimizer = new ArML.Training.FlatAdamW([([embedding], 0.0)], 0.9, 0.95);
            long rows = (long)(50_000 * reached);
            var times = new List<double>();
            for (int step = 0; step < 30; step++)
            {
                using (no_grad()) { optimizer.ZeroGrad(); embedding.grad!.narrow(0, 0, rows).normal_(); }
                var clock = Stopwatch.StartNew();
                optimizer.Step(1e-3);
                if (step >= 5) times.Add(clock.Elapsed.TotalMilliseconds);
            }
            Console.WriteLine($"FlatAdamW step, 6.4M embedding, {reached:P0} of rows with gradients: {Measurements.Median(times):F2} ms");
        }
    }

    private static double Report(string name, Action call)
    {
        var times = new List<double>();
        for (int round = 0; round < 25; round++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < 200; i++) call();
            if (round >= 5) times.Add(clock.Elapsed.TotalMilliseconds * 1000 / 200);
        }
        double median = Measurements.Median(times);
        Console.WriteLine($"{name,-45} {median,8:F2} µs");
        return median;
    }
}
