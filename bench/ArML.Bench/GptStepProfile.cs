using System.Diagnostics;
using ArML.Torch;
using ArML.Trainers.Gpt;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Bench;

/// <summary>Where a small GPT training step spends its time: forward, backward, clipping, optimizer (median ms of 50 steps), with the trainer's FlatAdamW.</summary>
internal static class GptStepProfile
{
    public static int Run(string[] args)
    {
        // "heap-returned": glibc's own allocator thresholds (training otherwise keeps freed memory in the process).
        TorchRuntime.Configure(new TorchRuntimeOptions { KeepNativeMemoryWhileTraining = !args.Contains("heap-returned") });
        TorchRuntime.EnsureInitialized();
        using var heap = NativeHeap.KeepWhileTraining();
        // Optional arguments: "fp32" or "bf16" (default both), a step count (default 60), batch=N, threads=N, "nobias"
        // (the trainer's default model, as gpt-speed trains it), "baby" (nanoGPT's baby model, 6L/6H/384, ctx 256; give
        // batch=16); with "split", "contention" takes turns step by step between the halves at once and one after the
        // other, "fuse-ab" between the workers' phases in one hand-off and in one each, and "versus-one" (blocks of 20
        // steps) between the split and one pass over the whole batch on one libtorch thread: two threads over one, free of
        // the drift between runs.
        var precisions = args.Contains("fp32") ? new[] { ScalarType.Float32 } : args.Contains("bf16") ? [ScalarType.BFloat16] : new[] { ScalarType.Float32, ScalarType.BFloat16 };
        int steps = args.Select(a => int.TryParse(a, out int n) ? n : 0).FirstOrDefault(n => n > 0, 60);
        int batch = Named(args, "batch") ?? 12;
        if (Named(args, "threads") is int threads) torch.set_num_threads(threads);
        if (args.Contains("share-ab")) return ShareCastsAB(steps, batch);
        int length = args.Contains("baby") ? 256 : 64;
        foreach (var precision in precisions)
        {
            var config = args.Contains("baby")
                ? new GptConfig(67, length, 6, 6, 384, 0, Bias: false)
                : new GptConfig(67, length, 4, 4, 128, 0, Bias: !args.Contains("nobias"));
            using var model = new GptModel(config, seed: 1);
            model.ComputeType = precision;
            model.train();
            var random = new Random(1);
            var x = new long[batch * length];
            var y = new long[batch * length];
            // The trainer's optimizer, made first as the trainer makes it: it re-points the parameters at its flat buffers,
            // and the split's replica must share those.
            using var optimizer = new ArML.Training.FlatAdamW([(model.parameters().Select(p => (Tensor)p).ToList(), 0.1)], 0.9, 0.95);
            // "split": forward and backward through GptDataParallel (the two halves of the batch on two threads), whose
            // workers also run the optimizer's clipping and step, as in training.
            using var split = args.Contains("split") ? GptDataParallel.TryCreate(model, batch, evenIfDisabled: true) : null;
            optimizer.Shards = split;
            // The workers keep the thread count they were made with: the whole-batch passes run on this thread's one.
            bool versusOne = split is not null && args.Contains("versus-one");
            if (versusOne) torch.set_num_threads(1);
            List<double> alone = [], together = [];
            var phases = new List<double>[4];
            for (int i = 0; i < 4; i++) phases[i] = [];
            for (int step = 0; step < steps; step++)
            {
                for (int i = 0; i < x.Length; i++) { x[i] = random.Next(67); y[i] = random.Next(67); }
                using var scope = NewDisposeScope();
                var clock = Stopwatch.StartNew();
                // In blocks of 20 steps: taking turns step by step, the workers went idle (and their caches cold) during
                // every whole-batch step, which cost the split 2-4 ms a step (measured).
                bool whole = versusOne && step / 20 % 2 == 1;
                optimizer.Shards = whole ? null : split;
                if (split is not null && !whole)
                {
                    split.OneAtATime = args.Contains("contention") && step % 2 == 1;
                    // "fuse-ab": the step's phases on the workers in one hand-off and in one hand-off each, step by step.
                    if (args.Contains("fuse-ab")) split.FusePhases = step % 2 == 0;
                    optimizer.ZeroGrad();
                    split.ForwardBackward(x, y, batch, length, 1.0);
                    double both = clock.Elapsed.TotalMilliseconds;
                    optimizer.ClipGradNorm(1.0);
                    double clipped = clock.Elapsed.TotalMilliseconds;
                    optimizer.Step(1e-3);
                    if (args.Contains("fuse-ab")) { if (step >= 10) (step % 2 == 0 ? together : alone).Add(clock.Elapsed.TotalMilliseconds); continue; }
                    if (args.Contains("contention")) { if (step >= 10) (step % 2 == 1 ? alone : together).Add(both); continue; }
                    if (versusOne) { if (step >= 40 && step % 20 >= 2) together.Add(clock.Elapsed.TotalMilliseconds); continue; }
                    if (step >= 10) { phases[0].Add(0); phases[1].Add(both); phases[2].Add(clipped - both); phases[3].Add(clock.Elapsed.TotalMilliseconds - clipped); }
                    continue;
                }
                var loss = nn.functional.cross_entropy(model.call(tensor(x, [batch, length])).view(-1, 67), tensor(y));
                _ = loss.item<float>();
                double forward = clock.Elapsed.TotalMilliseconds;
                optimizer.ZeroGrad();
                loss.backward();
                double backward = clock.Elapsed.TotalMilliseconds;
                optimizer.ClipGradNorm(1.0);
                double clip = clock.Elapsed.TotalMilliseconds;
                optimizer.Step(1e-3);
                double total = clock.Elapsed.TotalMilliseconds;
                if (versusOne) { if (step >= 40 && step % 20 >= 2) alone.Add(total); continue; }
                if (step < 10) continue;
                phases[0].Add(forward); phases[1].Add(backward - forward); phases[2].Add(clip - backward); phases[3].Add(total - clip);
            }
            if (versusOne)
            {
                // Each block's median (its first two steps left out), and the ratio of each one-thread block to the split's block before it.
                double[] Blocks(List<double> ms) => ms.Chunk(18).Where(b => b.Length == 18).Select(b => Measurements.Median(b)).ToArray();
                var (twoBlocks, oneBlocks) = (Blocks(together), Blocks(alone));
                double ratio = Measurements.Median(oneBlocks.Zip(twoBlocks, (one, two) => one / two));
                Console.WriteLine($"{precision,-9} batch {batch}, 20-step blocks taking turns: split on two threads {Measurements.Median(together):F2} ms, one thread " +
                                  $"{Measurements.Median(alone):F2} ms a step; two threads over one: median of {Math.Min(oneBlocks.Length, twoBlocks.Length)} neighbouring blocks' ratios {ratio:F3}; " +
                                  // Tokens per second (the trainer's pairs) follow the mean step, which a stall on either worker raises.
                                  $"mean steps {together.Average():F2} and {alone.Average():F2} ms, ratio of means {alone.Average() / together.Average():F3}");
                torch.set_num_threads(2);
                continue;
            }
            if (args.Contains("fuse-ab"))
            {
                Console.WriteLine($"{precision,-9} batch {batch}, a step's phases in one hand-off: median {Measurements.Median(together):F2} ms, mean {together.Average():F2}; " +
                                  $"one hand-off each: median {Measurements.Median(alone):F2} ms, mean {alone.Average():F2} (steps taking turns); " +
                                  $"separate over fused of neighbouring steps: median {Measurements.Median(alone.Zip(together, (a, b) => a / b)):F3}");
                continue;
            }
            if (args.Contains("contention"))
            {
                Console.WriteLine($"{precision,-9} batch {batch}: forward and backward of both halves at once {Measurements.Median(together):F2} ms, one after the other {Measurements.Median(alone):F2} ms (contention factor {2 * Measurements.Median(together) / Measurements.Median(alone):F3})");
                continue;
            }
            Console.WriteLine($"{precision,-9} batch {batch}, {torch.get_num_threads()} threads{(split is null ? "" : ", split in two")}: forward {Measurements.Median(phases[0]):F2} ms, backward {Measurements.Median(phases[1]):F2} ms, clip {Measurements.Median(phases[2]):F2} ms, FlatAdamW {Measurements.Median(phases[3]):F2} ms, step {Measurements.Median(Enumerable.Range(0, phases[0].Count).Select(i => phases.Sum(p => p[i]))):F2} ms");
        }
        return 0;
    }

    // "share-ab": a bfloat16 training step (zero, forward and backward through GptDataParallel, clip, AdamW) of nanoGPT's
    // small model, with the halves sharing one cast of the weights and with each half casting its own, taking turns
    // step by step on the same model and optimizer (two data-parallel pairs over it), as the trainer steps.
    private static int ShareCastsAB(int steps, int batch)
    {
        using var model = new GptModel(new GptConfig(65, 64, 4, 4, 128, 0, Bias: false), seed: 1) { ComputeType = ScalarType.BFloat16 };
        model.train();
        // The optimizer first, as the trainer makes it: it re-points the parameters at its flat buffers, which the
        // pairs' replicas must share.
        using var optimizer = new ArML.Training.FlatAdamW([(model.parameters().Select(p => (Tensor)p).ToList(), 0.1)], 0.9, 0.95);
        var pairs = new[] { true, false }.Select(share => GptDataParallel.TryCreate(model, batch, evenIfDisabled: true, shareCasts: share)
            ?? throw new InvalidOperationException("GptDataParallel needs two libtorch threads.")).ToArray();
        optimizer.Shards = pairs[0];
        var random = new Random(1);
        var x = new long[batch * 64];
        var y = new long[batch * 64];
        var ms = new[] { new List<double>(), new List<double>() };
        for (int step = 0; step < steps; step++)
            for (int w = 0; w < pairs.Length; w++)
            {
                for (int i = 0; i < x.Length; i++) { x[i] = random.Next(65); y[i] = random.Next(65); }
                using var scope = NewDisposeScope();
                var clock = Stopwatch.StartNew();
                optimizer.ZeroGrad();
                pairs[w].ForwardBackward(x, y, batch, 64, 1.0);
                optimizer.ClipGradNorm(1.0);
                optimizer.Step(1e-3);
                if (step >= 10) ms[w].Add(clock.Elapsed.TotalMilliseconds);
            }
        double ratio = Measurements.Median(ms[1].Zip(ms[0], (own, shared) => own / shared));
        Console.WriteLine($"bf16 split step, batch {batch}: shared casts {Measurements.Median(ms[0]):F2} ms, own casts {Measurements.Median(ms[1]):F2} ms " +
                          $"(medians of {ms[0].Count} steps taking turns); own/shared of neighbouring steps: median {ratio:F3}");
        foreach (var pair in pairs) pair.Dispose();
        return 0;
    }

    // The value of a "name=N" argument, if given.
    private static int? Named(string[] args, string name) =>
        args.FirstOrDefault(a => a.StartsWith(name + "=", StringComparison.Ordinal)) is string arg
            ? int.Parse(arg[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture) : null;
}
