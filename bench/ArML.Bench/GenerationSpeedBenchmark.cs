using ArML.Trainers;
using System.Diagnostics;
using ArML.Torch;
using ArML.Trainers.Generation;
using ArML.Trainers.Gpt;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Bench;

/// <summary>
/// Decoding speed of a GPT (6 layers, 6 heads, 384 wide; random weights) with the key-value cache against full
/// recomputation of the window at every step, measured in the same run at contexts 256 and 1024. Each run reads a
/// prompt that fills the context but for the tokens still to generate, then decodes greedily until the context is
/// full: time to first token (prompt pass and choice) and per-token latency of the following steps.
/// </summary>
internal static class GenerationSpeedBenchmark
{
    private const int Vocabulary = 65;   // tinyshakespeare's characters

    public static int Run(string[] args)
    {
        int newTokens = args.Length >= 2 && args[0] == "--tokens" ? int.Parse(args[1]) : 48;
        TorchRuntime.EnsureInitialized();
        Console.WriteLine($"GPT 6L/6H/384, vocabulary {Vocabulary}, float32, {torch.get_num_threads()} threads; {newTokens} new tokens after a prompt of context − {newTokens}.");
        Console.WriteLine();
        Console.WriteLine($"{"context",7} {"decoder",-10} {"first token ms",15} {"per token ms",13} {"p90 ms",8} {"decode tok/s",13} {"vs recompute",13}");
        foreach (int context in new[] { 256, 1024 })
        {
            torch.manual_seed(1);
            var ids = new TokenIdLayout(Vocabulary, 0);
            using var lm = new GptLanguageModel(new GptModel(new GptConfig(ids.Size, context, 6, 6, 384, 0, true)), ids, CPU);
            var random = new Random(1);
            var prompt = new[] { lm.SeparatorId }.Concat(Enumerable.Range(1, context - newTokens - 1).Select(_ => random.Next(Vocabulary))).ToArray();
            foreach (var mode in new[] { StepDecoderMode.Cached, StepDecoderMode.Recompute }) Measure(lm, mode, prompt[..8], 4);   // warm-up
            var cached = Measure(lm, StepDecoderMode.Cached, prompt, newTokens);
            var full = Measure(lm, StepDecoderMode.Recompute, prompt, newTokens);
            Print(context, "recompute", full, full);
            Print(context, "cache", cached, full);
        }
        return 0;
    }

    internal sealed record Timing(double FirstTokenMs, double[] StepMs)
    {
        public double MedianMs => Percentile(0.5);
        public double DecodeTokensPerSecond => StepMs.Length / StepMs.Sum() * 1000;
        public double Percentile(double q) => StepMs.Order().ElementAt((int)Math.Min(StepMs.Length - 1, Math.Round(q * (StepMs.Length - 1))));
    }

    // Per-token figures are medians over the decoding steps; the ratio compares decode tokens/s with the baseline's.
    internal static void Print(object context, string name, Timing t, Timing baseline) =>
        Console.WriteLine($"{context,7} {name,-10} {t.FirstTokenMs,15:F1} {t.MedianMs,13:F2} {t.Percentile(0.9),8:F2} {t.DecodeTokensPerSecond,13:F1} {t.DecodeTokensPerSecond / baseline.DecodeTokensPerSecond,12:F1}×");

    internal static Timing Measure(IStepDecodingModel lm, StepDecoderMode mode, int[] prompt, int newTokens)
    {
        using var decoder = lm.CreateDecoder(mode);
        var logits = new float[lm.LogitCount];
        var clock = Stopwatch.StartNew();
        decoder.Prefill([prompt], logits);
        int next = ArgMax(logits, lm.TokenCount);
        double first = clock.Elapsed.TotalMilliseconds;
        var steps = new double[newTokens - 1];
        for (int i = 0; i < steps.Length; i++)
        {
            var start = clock.Elapsed;
            decoder.Append([next], logits);
            next = ArgMax(logits, lm.TokenCount);
            steps[i] = (clock.Elapsed - start).TotalMilliseconds;
        }
        return new Timing(first, steps);
    }

    // The most likely token (the end of the row excluded, so the run always reaches the context).
    private static int ArgMax(float[] logits, int tokens)
    {
        int best = 0;
        for (int i = 1; i < tokens; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
