using System.Diagnostics;
using ArML.Torch;
using ArML.Trainers.Gpt;
using ArML.Training;
using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Bench;

/// <summary>
/// GPT training speed: ArML's trainer (ML.NET pipeline, cursor reading, shared loop) against a bare TorchSharp loop of
/// the same model measured in the same run, in float32 and bfloat16, at 1 and 2 threads; model FLOP utilisation
/// against libtorch's matrix-product rate measured in the same run, precision and thread count (<see cref="GemmCeiling"/>). Models have no biases, as nanoGPT's
/// train.py defaults (its reference figures were measured that way: 804,096 parameters for the small configuration).
/// </summary>
internal static class GptSpeedBenchmark
{
    private sealed record Shape(string Name, int Layers, int Heads, int Width, int Context, int Batch, int Iterations);

    private static readonly Shape Small = new("small (4L, 4H, 128, ctx 64, batch 12)", 4, 4, 128, 64, 12, 600);
    private static bool CpuTime;

    private static TimeSpan Now(Stopwatch wall) => CpuTime ? Process.GetCurrentProcess().TotalProcessorTime : wall.Elapsed;

    private static readonly Shape Baby = new("baby (6L, 6H, 384, ctx 256, batch 16)", 6, 6, 384, 256, 16, 12);

    public static int Run(string[] args)
    {
        // --mkl-vendor-check: leave MKL's vendor-based kernel choice (AVX2 on non-Intel processors), for comparison.
        // --heap-returned: glibc's own allocator thresholds while training (the trainer otherwise keeps freed memory), for comparison.
        TorchRuntime.Configure(new TorchRuntimeOptions
        {
            MklKernelsByInstructionSet = !args.Contains("--mkl-vendor-check"), KeepNativeMemoryWhileTraining = !args.Contains("--heap-returned"),
        });
        TorchRuntime.EnsureInitialized();
        // --cpu-time: tokens per CPU-second of this process instead of per wall-clock second (one-thread rows on a
        // shared machine: what a candidate costs, whatever share of the cores the machine gives it).
        CpuTime = args.Contains("--cpu-time");
        // --threads N: only rows at N threads.
        int threadsAt = Array.IndexOf(args, "--threads");
        OnlyThreads = threadsAt >= 0 ? int.Parse(args[threadsAt + 1], System.Globalization.CultureInfo.InvariantCulture) : null;
        Console.WriteLine($"MKL float32 kernels chosen by instruction set: {(MklVendorCheck.Applied ? "yes" : "no")}; rates per {(CpuTime ? "CPU" : "wall-clock")} second.");
        // Options: a corpus path, --small-only, --bf16-only (quick checks of one configuration), --gemm-only (the
        // matrix-product ceilings alone), --repeats N (small
        // configuration: N interleaved bare/ArML measurements, medians reported; default 3, as this shared machine's
        // speed drifts by 10-20% over tens of seconds).
        var text = TextCorpus.Load(args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal) && !int.TryParse(a, out _)), 300_000);
        Console.WriteLine($"Corpus: {text.Description}. nanoGPT on this machine kind: ≈35,000 tokens/s small, ≈3,180 tokens/s baby (OpenBLAS, fp32).");
        int repeatsAt = Array.IndexOf(args, "--repeats");
        int repeats = repeatsAt >= 0 ? int.Parse(args[repeatsAt + 1], System.Globalization.CultureInfo.InvariantCulture) : 3;
        var shapes = args.Contains("--small-only") ? new[] { Small } : [Small, Baby];
        var precisions = args.Contains("--bf16-only") ? new[] { ScalarType.BFloat16 } : args.Contains("--fp32-only") ? [ScalarType.Float32] : [ScalarType.Float32, ScalarType.BFloat16];
        var gemmLines = new List<string>
        {
            "libtorch matrix products as linear layers compute them, GFLOP/s (after a warm-up, median and p10/p90 of the repeats),",
            "measured just before each row's training, so that both see the same share of this machine:",
            $"{"precision",-9} {"thr",3} {"product",-30} {"M×K×N",-16} {"median",7} {"p10",7} {"p90",7}",
        };
        if (args.Contains("--gemm-only"))
        {
            foreach (var shape in shapes)
                foreach (var precision in precisions)
                    foreach (int threads in Threads(shape))
                        MeasureCeiling(shape, precision, threads, text.VocabularySize, gemmLines);
            gemmLines.ForEach(Console.WriteLine);
            return 0;
        }
        // --run-peer: run nanoGPT (small, baby) now; otherwise read its results of the last hour.
        if (args.Contains("--run-peer"))
            foreach (var shape in shapes) NanoGptPeer.Run(shape == Small ? "small" : "baby");
        // The pairs (--pairs-only, --share-ab) compare ArML with itself: they need no peer.
        bool selfOnly = args.Contains("--pairs-only") || args.Contains("--share-ab");
        var peers = shapes.ToDictionary(s => s, s => selfOnly ? null : NanoGptPeer.Newest(s == Small ? "small" : "baby"));
        foreach (var peer in peers.Values.OfType<NanoGptResult>())
            Console.WriteLine($"nanoGPT peer: {peer.File} ({peer.Age.TotalMinutes:F0} min old): {peer.TokensPerSecond:N0} tokens/s.");
        Console.WriteLine($"load average now: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine("MFU: model FLOPs per second over the square product's median rate; of GEMMs: over the model's product mix rate.");
        Console.WriteLine("ratio: ArML (at 2 threads: the batch split across two threads) over the bare loop (libtorch's intra-op threads); at 2 threads a second line");
        Console.WriteLine("gives the trainer on libtorch's two intra-op threads without splitting the batch (GptDataParallel off). ×nanoGPT: over the peer's tokens/s.");
        Console.WriteLine($"{"configuration",-40} {"precision",-9} {"thr",3} {"bare tok/s",11} {"ArML tok/s",11} {"ratio",6} {"×nanoGPT",8} {"MFU",6} {"of GEMMs",8} {"peak MiB",9}");
        var measured = new Dictionary<(Shape, ScalarType, int), double>();
        if (args.Contains("--share-ab")) return ShareCastsPairs(text, repeats);
        // --pairs-only: only the interleaved two-over-one-thread pairs of the small configuration.
        bool pairsOnly = args.Contains("--pairs-only");
        foreach (var shape in pairsOnly ? [] : shapes)
            foreach (var precision in precisions)
                foreach (int threads in Threads(shape))
                {
                    var (square, mix) = MeasureCeiling(shape, precision, threads, text.VocabularySize, gemmLines);
                    var bares = new List<double>();
                    var armls = new List<double>();
                    var unsplit = new List<double>();
                    long parameters = 0;
                    for (int r = 0; r < (shape == Small ? repeats : 1); r++)
                    {
                        bares.Add(BareLoop(shape, text.Ids, text.VocabularySize, precision, out parameters));
                        armls.Add(ArmlTrainer(shape, text, precision));
                        if (threads < 2) continue;
                        // The same trainer without splitting the batch across two threads (GptDataParallel off), interleaved.
                        GptDataParallel.Enabled = false;
                        try { unsplit.Add(ArmlTrainer(shape, text, precision)); }
                        finally { GptDataParallel.Enabled = true; }
                    }
                    double bare = Measurements.Median(bares), arml = Measurements.Median(armls);
                    double flopsPerToken = 6.0 * parameters + 12.0 * shape.Layers * shape.Width * shape.Context;   // + attention (PaLM appendix)
                    double mfu = arml * flopsPerToken / (square * 1e9), ofGemms = arml * flopsPerToken / (mix * 1e9);
                    string versusPeer = peers[shape] is NanoGptResult p ? (arml / p.TokensPerSecond).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) : "-";
                    measured[(shape, precision, threads)] = arml;
                    Console.WriteLine($"{shape.Name,-40} {precision,-9} {threads,3} {bare,11:N0} {arml,11:N0} {arml / bare,6:F2} {versusPeer,8} {mfu,6:P0} {ofGemms,8:P0} {Process.GetCurrentProcess().PeakWorkingSet64 >> 20,9}");
                    if (unsplit.Count > 0) Console.WriteLine($"  the same row's trainer on libtorch's two intra-op threads, the batch not split (GptDataParallel off): {Measurements.Median(unsplit):N0} tok/s");
                }
        foreach (var precision in precisions)
            if (measured.TryGetValue((Small, precision, 2), out double two) & measured.TryGetValue((Small, precision, 1), out double one) || pairsOnly)
            {
                if (!pairsOnly) Console.WriteLine($"small, {precision}: two threads over one thread {two / one:F2} (the rows above, measured minutes apart)");
                // The rows are minutes apart, and this machine's speed drifts by 10-20% in that time: the trainer again
                // at two threads then one, pair after pair, and the median of the pairs' ratios.
                var pairs = new List<(double Two, double One)>();
                for (int r = 0; r < repeats; r++)
                {
                    torch.set_num_threads(2);
                    double pairTwo = ArmlTrainer(Small, text, precision);
                    torch.set_num_threads(1);
                    pairs.Add((pairTwo, ArmlTrainer(Small, text, precision)));
                }
                Console.WriteLine($"small, {precision}: two threads over one thread, {repeats} interleaved pairs: median {Measurements.Median(pairs.Select(p => p.Two / p.One)):F2} " +
                                  $"(pairs: {string.Join(", ", pairs.Select(p => $"{p.Two / p.One:F2} ({p.Two:N0}/{p.One:N0} tok/s)"))})");
            }
        Console.WriteLine();
        if (!args.Contains("--no-validation") && !args.Contains("--threads") && !pairsOnly) Validation(precisions);
        gemmLines.ForEach(Console.WriteLine);
        torch.set_num_threads(Environment.ProcessorCount);
        return 0;
    }

    // nanoGPT's configuration trained to the end (2000 iterations) on three seeds per precision: the speed levers must
    // not cost quality. nanoGPT's own final validation loss is deterministic on this machine kind (1.8857 in every run of
    // the peer study); a peer result of ≥ 2000 iterations from the last hour replaces that figure.
    private static void Validation(ScalarType[] precisions)
    {
        string path = TextCorpus.FindShakespeare(null) ?? throw new FileNotFoundException("tiny Shakespeare not found (../shared/data/tinyshakespeare.txt).");
        var peer = NanoGptPeer.Newest("small", minimumIterations: 2000);
        double reference = peer?.FinalValidationLoss ?? 1.8857;
        Console.WriteLine($"Validation loss at nanoGPT's configuration, 2000 iterations, seeds 1337, 1, 2; nanoGPT {reference:F4} ({(peer is null ? "the peer study's figure" : peer.File)}):");
        string text = File.ReadAllText(path);
        int split = (int)(text.Length * 0.9);
        var corpus = TextCorpus.Load(path, int.MaxValue);
        foreach (var precision in precisions)
        {
            var losses = new[] { 1337, 1, 2 }.Select(seed => GptShakespeareBenchmark.Train(corpus, text, split, 2000,
                precision == ScalarType.BFloat16 ? TrainingPrecision.BFloat16 : TrainingPrecision.Float32, seed, quiet: true)).ToArray();
            double mean = losses.Average();
            Console.WriteLine($"{precision,-9} mean {mean:F4} (seeds: {string.Join(", ", losses.Select(l => l.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))}), " +
                              $"{mean - reference:+0.0000;-0.0000} from nanoGPT (target ≤ +0.02)");
        }
        Console.WriteLine();
    }

    private static int[] Threads(Shape shape) => OnlyThreads is int only ? [only] : shape == Small ? [2, 1] : [2];

    private static int? OnlyThreads;

    // A row's ceilings, at its thread count (left set for the row) and in its precision: the square product's median and
    // the rate of the row's own product shapes (the forward pass's linear layers at its batch × context tokens).
    private static (double Square, double Mix) MeasureCeiling(Shape shape, ScalarType precision, int threads, int vocabulary, List<string> lines)
    {
        torch.set_num_threads(threads);
        string model = shape.Name[..shape.Name.IndexOf(' ', StringComparison.Ordinal)];
        void Add(string name, string size, GemmRate? rate, double median) =>
            lines.Add($"{precision,-9} {threads,3} {model + ": " + name,-30} {size,-16} {median,7:F0}" + (rate is null ? "" : $" {rate.P10,7:F0} {rate.P90,7:F0}"));
        var square = GemmCeiling.Measure(GemmCeiling.Square, precision);
        Add("square", square.Shape.Size, square, square.Median);
        var rates = GemmCeiling.ModelShapes(shape.Layers, shape.Batch * shape.Context, shape.Width, vocabulary)
            .Select(g => GemmCeiling.Measure(g, precision)).ToList();
        foreach (var rate in rates) Add(rate.Shape.Name, rate.Shape.Size, rate, rate.Median);
        double mix = GemmCeiling.MixRate(rates);
        Add("mix (FLOP-weighted)", "", null, mix);
        return (square.Median, mix);
    }

    // The same model and optimizer, fed from a plain array: what the pipeline must not slow down.
    private static double BareLoop(Shape shape, int[] ids, int vocabulary, ScalarType precision, out long parameters)
    {
        using var heap = NativeHeap.KeepWhileTraining();   // as the trainer's loop does
        using var model = new GptModel(new GptConfig(vocabulary, shape.Context, shape.Layers, shape.Heads, shape.Width, 0, Bias: false), seed: 1);
        model.ComputeType = precision;
        model.train();
        parameters = model.parameters().Sum(p => p.numel());
        var optimizer = optim.AdamW(model.parameters(), 1e-3, 0.9, 0.99, weight_decay: 0.1);
        var random = new Random(1);
        var x = new long[shape.Batch * shape.Context];
        var y = new long[shape.Batch * shape.Context];
        var clock = Stopwatch.StartNew();
        var timed = TimeSpan.Zero;
        int warmup = Math.Max(2, shape.Iterations / 10);
        for (int step = 0; step < shape.Iterations + warmup; step++)
        {
            if (step == warmup) timed = Now(clock);
            for (int b = 0; b < shape.Batch; b++)
            {
                int start = random.Next(ids.Length - shape.Context - 1);
                for (int t = 0; t < shape.Context; t++) { x[b * shape.Context + t] = ids[start + t]; y[b * shape.Context + t] = ids[start + t + 1]; }
            }
            using var scope = NewDisposeScope();
            var loss = nn.functional.cross_entropy(model.call(tensor(x, [shape.Batch, shape.Context])).view(-1, vocabulary), tensor(y));
            optimizer.zero_grad();
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
            _ = loss.item<float>();
        }
        return (double)shape.Iterations * shape.Batch * shape.Context / (Now(clock) - timed).TotalSeconds;
    }

    // --share-ab: the small configuration in bfloat16 on two threads, the split's halves sharing one cast of the weights
    // and each casting its own (GptDataParallel.ShareCasts), pair after pair.
    private static int ShareCastsPairs(TextCorpus text, int repeats)
    {
        torch.set_num_threads(2);
        var (shared, own) = (new List<double>(), new List<double>());
        for (int r = 0; r < repeats; r++)
            foreach (bool share in new[] { true, false })
            {
                GptDataParallel.ShareCasts = share;
                try { (share ? shared : own).Add(ArmlTrainer(Small, text, ScalarType.BFloat16)); }
                finally { GptDataParallel.ShareCasts = true; }
            }
        Console.WriteLine($"small, BFloat16, 2 threads: halves sharing one cast {Measurements.Median(shared):N0} tok/s, each casting its own {Measurements.Median(own):N0} tok/s; " +
                          $"{repeats} interleaved pairs, shared/own median {Measurements.Median(shared.Zip(own, (a, b) => a / b)):F3}");
        return 0;
    }

    private static double ArmlTrainer(Shape shape, TextCorpus text, ScalarType precision)
    {
        var ml = new MLContext(seed: 1);
        var reports = new List<TrainingProgress>();
        var times = new List<TimeSpan>();
        var clock = Stopwatch.StartNew();
        int warmup = Math.Max(2, shape.Iterations / 10);
        var options = new GptTrainer.Options
        {
            ContextLength = shape.Context, LayerCount = shape.Layers, HeadCount = shape.Heads, EmbeddingSize = shape.Width,
            BatchSize = shape.Batch, Bias = false, MaxIterations = shape.Iterations + warmup, EvaluationInterval = warmup,
            Precision = precision == ScalarType.BFloat16 ? TrainingPrecision.BFloat16 : TrainingPrecision.Float32,
            Progress = new Recorder(p => { reports.Add(p); times.Add(Now(clock)); }),
        };
        using var model = ml.LanguageModeling().Trainers.Gpt(options).Fit(text.TokenColumn(ml));
        // From the first report (end of warm-up) to the last: training steps only, as in the bare loop.
        double seconds = (times[^1] - times[0]).TotalSeconds;
        return (double)(reports[^1].Iteration - reports[0].Iteration) * shape.Batch * shape.Context / seconds;
    }

    private sealed class Recorder(Action<TrainingProgress> onReport) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => onReport(value);
    }
}
