using System.Globalization;
using ArML.Bench.Tokenizers;
using ArML.Torch;
using ArML.Trainers.Gpt;
using ArML.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace ArML.Bench;

/// <summary>
/// LoRA against full fine-tuning of a GPT-2-small-shaped model (12 layers, 12 heads, width 768, every one of GPT-2's
/// 50,257 token ids present in the data: ≈124M parameters, random weights), context 256, in one run: the growth of
/// the peak resident set over each Fit and the median step time after a warm-up step. Targets: LoRA r=8 peak ≤ 0.5×
/// and step ≤ 0.7× full fine-tuning's. Both train in float32 on the same seeded random ids; LoRA runs first, and the
/// kernel's peak (VmHWM) is reset before each run.
/// </summary>
internal static class LoraBenchmark
{
    private const int Vocabulary = 50257, Context = 256;

    public static int Run(string[] args)
    {
        int steps = Option(args, "--steps", 3), batch = Option(args, "--batch", 2), rank = Option(args, "--rank", 8), threads = Option(args, "--threads", 2);
        TorchRuntime.EnsureInitialized();
        torch.set_num_threads(threads);
        var ml = new MLContext(seed: 1);
        var data = RandomIds(ml);
        Console.WriteLine($"lora: GPT-2 small shape (12L, 12H, 768), context {Context}, batch {batch}, float32, {threads} threads, " +
            $"{steps} measured steps after 1 warm-up step");
        var lora = Measure(ml, data, new LoraOptions { Rank = rank, Alpha = 2 * rank }, steps, batch);
        var full = Measure(ml, data, null, steps, batch);
        Console.WriteLine($"{"run",-14} {"parameters",12} {"trained",12} {"peak +MB",9} {"step s",8}");
        foreach (var (name, r) in new[] { ("full", full), ($"LoRA r={rank}", lora) })
            Console.WriteLine($"{name,-14} {r.Parameters,12:N0} {r.Trained,12:N0} {r.PeakMegabytes,9:F0} {r.StepSeconds,8:F2}");
        Console.WriteLine($"lora: peak memory {lora.PeakMegabytes / full.PeakMegabytes:F2}x full fine-tuning (target <= 0.5x), " +
            $"step time {lora.StepSeconds / full.StepSeconds:F2}x (target <= 0.7x)");
        return 0;
    }

    private sealed record Result(long Parameters, long Trained, double PeakMegabytes, double StepSeconds);

    private static Result Measure(MLContext ml, IDataView data, LoraOptions? adapter, int steps, int batch)
    {
        var reports = new List<TrainingProgress>();
        var options = new GptTrainer.Options
        {
            ContextLength = Context, LayerCount = 12, HeadCount = 12, EmbeddingSize = 768, BatchSize = batch,
            MaxIterations = steps + 1, EvaluationInterval = 1, WarmupIterations = 0, Precision = TrainingPrecision.Float32,
            Adapter = adapter, Seed = 1, Progress = new Recorder(reports.Add),
        };
        GC.Collect();
        GC.WaitForPendingFinalizers();
        ResetPeak();
        double before = CurrentRssMegabytes();
        using var model = ml.LanguageModeling().Trainers.Gpt(options).Fit(data);
        double peak = BpeTrainingRun.PeakRssMegabytes() - before;
        var gpt = ((GptLanguageModel)model.Model).Model;
        long parameters = gpt.parameters().Sum(p => p.numel());
        long trained = adapter is null ? parameters : gpt.AdapterWeights().Sum(kv => kv.Value.Shape.Aggregate(1L, (a, b) => a * b));
        var times = reports.Zip(reports.Skip(1), (a, b) => (b.Elapsed - a.Elapsed).TotalSeconds).ToList();
        return new Result(parameters, trained, peak, Measurements.Median(times));
    }

    // Rows of random ids in which each of the 50,257 ids occurs, so the compact vocabulary is GPT-2's whole one.
    private static IDataView RandomIds(MLContext ml)
    {
        var random = new Random(1);
        var ids = Enumerable.Range(1, Vocabulary).Select(i => (uint)i).Concat(Enumerable.Range(0, 50_000).Select(_ => (uint)random.Next(1, Vocabulary + 1)))
            .OrderBy(_ => random.Next()).ToArray();
        var rows = ids.Chunk(500).Select(chunk => new Row { Tokens = chunk });
        var schema = SchemaDefinition.Create(typeof(Row));
        schema["Tokens"].ColumnType = new VectorDataViewType(new KeyDataViewType(typeof(uint), Vocabulary));
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    // The kernel's peak resident set (VmHWM) restarts from the current one when 5 is written to clear_refs.
    private static void ResetPeak()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.WriteLine("lora: cannot reset the peak RSS; the later run's figure includes the earlier's.");
        }
    }

    private static double CurrentRssMegabytes()
    {
        string? line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)) : null;
        return line is null ? 0 : double.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    private sealed class Row
    {
        public uint[] Tokens { get; set; } = [];
    }

    private sealed class Recorder(Action<TrainingProgress> onReport) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => onReport(value);
    }
}
