using System.Diagnostics;
using ArML.Bench.Tokenizers;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using static TorchSharp.torch;

namespace ArML.Bench;

/// <summary>
/// Peak memory of scoring one long row with a GPT: the process's peak resident set (VmHWM) before and after scoring a
/// row of N random ids, for one model shape per process (the peak never goes down, so each shape needs its own).
/// Weights are random: memory depends on the shapes only.
/// </summary>
internal static class LongRowMemoryBenchmark
{
    public static int Run(string[] args)
    {
        int chars = Option(args, "--chars", 300_000), width = Option(args, "--width", 32), context = Option(args, "--context", 64);
        int layers = Option(args, "--layers", 4), heads = Option(args, "--heads", 4), vocabulary = Option(args, "--vocabulary", 100);
        int stride = Option(args, "--stride", context / 2), budget = Option(args, "--budget-mb", 0);
        var layout = new TokenIdLayout(vocabulary - 1, 0);
        using var lm = new GptLanguageModel(new GptModel(new GptConfig(vocabulary, context, layers, heads, width, 0, true)), layout, CPU);
        if (budget > 0) lm.ScoringMemoryBudget = (long)budget << 20;
        var random = new Random(1);
        var row = Enumerable.Range(0, chars).Select(_ => random.Next(vocabulary - 1)).ToArray();
        var ll = new double[1];
        var count = new int[1];
        lm.Score([row[..(2 * context)]], [2 * context], stride, ll, count);   // warm-up: libtorch's own buffers
        double before = BpeTrainingRun.PeakRssMegabytes();
        var watch = Stopwatch.StartNew();
        lm.Score([row], [row.Length], stride, ll, count);
        double after = BpeTrainingRun.PeakRssMegabytes();
        Console.WriteLine($"chars {chars} width {width} context {context} layers {layers} heads {heads} vocabulary {vocabulary} stride {stride} " +
            $"budget {(budget > 0 ? budget + " MB" : "default")}: peak RSS {before:F0} -> {after:F0} MB (+{after - before:F0} MB), " +
            $"{watch.Elapsed.TotalSeconds:F1} s, log-likelihood {ll[0]:F3}");
        return 0;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }
}
