using System.Diagnostics;
using ArML.Trainers.Gpt;
using ArML.Training;
using Microsoft.ML;

namespace ArML.Bench;

/// <summary>
/// nanoGPT's small CPU configuration on tiny Shakespeare, character level (first 90% train, last 10% validation):
/// 4 layers, 4 heads, width 128, context 64, batch 12, no biases (nanoGPT's default), lr 1e-3 → 1e-4 cosine, warm-up 100, β₂ 0.99, weight decay
/// 0.1, clip 1, 2000 iterations, no dropout; in float32 and in mixed bfloat16. Validation loss is measured as nanoGPT
/// does (random context windows, loss averaged over positions) on 100 seeded batches; nanoGPT's figure on this
/// machine kind is 1.886 (20 batches, ±0.02). Options: --quick (300 iterations), --bf16-only, --seeds 1337,1,2 (one
/// run per seed and their mean: the final loss moves by a few hundredths between initialisations).
/// </summary>
internal static class GptShakespeareBenchmark
{
    public static int Run(string[] args)
    {
        string path = TextCorpus.FindShakespeare(args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)))
            ?? throw new FileNotFoundException("tiny Shakespeare not found: pass its path (../shared/data/tinyshakespeare.txt).");
        int iterations = args.Contains("--quick") ? 300 : 2000;
        string text = File.ReadAllText(path);
        int split = (int)(text.Length * 0.9);
        var corpus = TextCorpus.Load(path, int.MaxValue);
        Console.WriteLine($"tiny Shakespeare: {split:N0} training and {text.Length - split:N0} validation characters; {iterations} iterations.");
        Console.WriteLine($"{"precision",-10} {"val loss",9} {"train loss",11} {"tokens/s",9} {"train s",8} {"peak MiB",9}");
        var precisions = args.Contains("--bf16-only") ? new[] { TrainingPrecision.BFloat16 } : [TrainingPrecision.Float32, TrainingPrecision.BFloat16];
        int seedsAt = Array.IndexOf(args, "--seeds");
        var seeds = seedsAt >= 0 ? args[seedsAt + 1].Split(',').Select(int.Parse).ToArray() : [1337];
        foreach (var precision in precisions)
        {
            var losses = seeds.Select(seed => Train(corpus, text, split, iterations, precision, seed)).ToArray();
            if (seeds.Length > 1)
                Console.WriteLine($"{precision,-10} mean validation loss over seeds {string.Join(",", seeds)}: {losses.Average():F4} " +
                                  $"(min {losses.Min():F4}, max {losses.Max():F4})");
        }
        return 0;
    }

    internal static double Train(TextCorpus corpus, string text, int split, int iterations, TrainingPrecision precision, int seed, bool quiet = false)
    {
        var ml = new MLContext(seed: 1);
        var reports = new List<TrainingProgress>();
        var options = new GptTrainer.Options
        {
            ContextLength = 64, LayerCount = 4, HeadCount = 4, EmbeddingSize = 128, BatchSize = 12, Dropout = 0, Bias = false,
            MaxIterations = iterations, LearningRate = 1e-3, MinLearningRate = 1e-4, WarmupIterations = 100,
            Beta2 = 0.99, WeightDecay = 0.1, GradientClipNorm = 1.0, Precision = precision, Seed = seed,
            ValidationSet = corpus.TokenColumn(ml, text[split..]), EvaluationInterval = 250, EvaluationBatches = 100,
            Progress = new Recorder(p => { reports.Add(p); if (!quiet) Console.WriteLine("    " + p); }),
        };
        var clock = Stopwatch.StartNew();
        using var model = ml.LanguageModeling().Trainers.Gpt(options).Fit(corpus.TokenColumn(ml, text[..split]));
        double seconds = clock.Elapsed.TotalSeconds;
        var last = reports[^1];
        double tokensPerSecond = (double)iterations * 12 * 64 / last.Elapsed.TotalSeconds;
        Console.WriteLine($"{precision,-10} {last.ValidationLoss,9:F4} {last.Loss,11:F4} {tokensPerSecond,9:N0} {seconds,8:F0} {Process.GetCurrentProcess().PeakWorkingSet64 >> 20,9}  seed {seed}");
        return last.ValidationLoss ?? double.NaN;
    }

    private sealed class Recorder(Action<TrainingProgress> onReport) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => onReport(value);
    }
}
