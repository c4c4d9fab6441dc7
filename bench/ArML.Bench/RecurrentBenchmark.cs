using System.Diagnostics;
using System.Globalization;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using ArML.Trainers.Lstm;
using ArML.Training;
using Microsoft.ML;
using TorchSharp;

namespace ArML.Bench;

/// <summary>
/// A 2-layer, 512-unit LSTM next to the GPT small configuration (4 layers, 4 heads, width 128, context 64, batch 12,
/// lr 1e-3) on tiny Shakespeare, characters, first 90% train / last 10% validation, both trained on the same number
/// of characters: by default nanoGPT's budget for that GPT (2000 iterations × 12 × 64 = 1,536,000), so the GPT's
/// figure can be read next to nanoGPT's in ../shared/reference/nanogpt.md. Both are measured in this run; the GPT is
/// the baseline of the ratios.
/// </summary>
/// <remarks>
/// A budget in characters keeps the losses reproducible on a shared, busy machine; the wall-clock time and training
/// throughput of each run are printed beside them (average, and the fastest report interval: the least disturbed). Rows are the text's non-empty lines (the separator plays the
/// newline). Reported: the trainer's own validation loss (GPT: 20 random 64-character windows × batch 12; LSTM: the
/// first 20 groups of 32 lines read from the start state) and the common measure — every validation line scored by
/// the transformer as a row (its characters and its end), nats per prediction.
/// </remarks>
internal static class RecurrentBenchmark
{
    // BestIntervalTokensPerSecond: the fastest report interval's training throughput, the least disturbed by other
    // processes on a shared machine; the average over the whole run is TokensSeen / TrainSeconds.
    private sealed record Result(string Name, long Parameters, int Iterations, long TokensSeen, double TrainSeconds, double BestIntervalTokensPerSecond,
        double? TrainerValidation, double RowNats, double ScoringTokensPerSecond, double SamplingTokensPerSecond)
    {
        public double TrainingTokensPerSecond => TokensSeen / TrainSeconds;
    }

    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
        {
            Console.Error.WriteLine("Usage: lstm PATH/tinyshakespeare.txt [--tokens N (per model, default 1536000)] [--hidden N (512)] [--layers N (2)]");
            return 2;
        }
        string path = args[0];
        long tokens = 2000L * 12 * 64;
        int hidden = 512, layers = 2;
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--tokens": tokens = long.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--hidden": hidden = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--layers": layers = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"Unknown option {args[i]}."); return 2;
            }
        }

        string text = File.ReadAllText(path);
        int split = (int)(text.Length * 0.9);
        var ml = new MLContext(seed: 1);
        IDataView Lines(string part) => ml.Data.LoadFromEnumerable(part.Split('\n').Where(l => l.Length > 0).Select(l => new Line { Text = l }));
        var tokenizer = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(Lines(text[..split]));
        var train = ml.Data.Cache(tokenizer.Transform(Lines(text[..split])));
        var valid = ml.Data.Cache(tokenizer.Transform(Lines(text[split..])));
        Console.WriteLine($"tiny Shakespeare: {split:N0} training / {text.Length - split:N0} validation characters; budget {tokens:N0} training characters per model; " +
                          $"{torch.get_num_threads()} threads.");

        var gpt = new GptTrainer.Options
        {
            ContextLength = 64, LayerCount = 4, HeadCount = 4, EmbeddingSize = 128, BatchSize = 12, LearningRate = 1e-3,
        };
        var lstm = new LstmTrainer.Options
        {
            LayerCount = layers, HiddenSize = hidden, BatchSize = 32, SequenceLength = 64, LearningRate = 2e-3,
        };
        var results = new List<Result>
        {
            Measure(ml, "GPT 4x128, ctx 64", gpt, o => ml.LanguageModeling().Trainers.Gpt((GptTrainer.Options)o), train, valid, tokens),
            Measure(ml, $"LSTM {layers}x{hidden}", lstm, o => ml.LanguageModeling().Trainers.Lstm((LstmTrainer.Options)o), train, valid, tokens),
        };

        var baseline = results[0];
        Console.WriteLine();
        Console.WriteLine($"{"model",-18} {"params",10} {"iters",6} {"chars",10} {"train s",8} {"avg tok/s",10} {"best tok/s",10} {"trainer val",11} " +
                          $"{"row val",8} {"vs GPT",7} {"score tok/s",11} {"sample tok/s",12}");
        foreach (var r in results)
            Console.WriteLine($"{r.Name,-18} {r.Parameters,10:N0} {r.Iterations,6} {r.TokensSeen,10:N0} {r.TrainSeconds,8:F0} {r.TrainingTokensPerSecond,10:N0} " +
                              $"{r.BestIntervalTokensPerSecond,10:N0} {r.TrainerValidation,11:F3} {r.RowNats,8:F3} {r.RowNats / baseline.RowNats,6:F3}x " +
                              $"{r.ScoringTokensPerSecond,11:N0} {r.SamplingTokensPerSecond,12:N0}");
        var lstmResult = results[1];
        Console.WriteLine($"LSTM / GPT: training throughput {lstmResult.BestIntervalTokensPerSecond / baseline.BestIntervalTokensPerSecond:F2}x (best intervals), " +
                          $"scoring {lstmResult.ScoringTokensPerSecond / baseline.ScoringTokensPerSecond:F2}x, sampling {lstmResult.SamplingTokensPerSecond / baseline.SamplingTokensPerSecond:F2}x; " +
                          $"row validation loss {lstmResult.RowNats - baseline.RowNats:+0.000;-0.000} nats/char.");
        Console.WriteLine("nanoGPT reference (PyTorch 1.13 + OpenBLAS, same machine kind, this GPT config): validation 1.886 nats/char after 2000 iterations " +
                          "(45-59 s), sampling about 1,010 tokens/s; KenLM 7-gram 1.517 nats/char.");
        Console.WriteLine("trainer val: each trainer's own validation loss at its last evaluation; row val: every validation line scored as a row " +
                          "(characters and line end), nats per prediction, the same measure for both models.");
        return 0;
    }

    private static Result Measure(MLContext ml, string name, TrainerOptionsBase options, Func<TrainerOptionsBase, IEstimator<LanguageModelTransformer>> trainer,
        IDataView train, IDataView valid, long tokens)
    {
        var reports = new List<TrainingProgress>();
        options.MaxTokens = tokens;
        options.MaxIterations = 1_000_000;   // the character budget ends the run
        options.Seed = 1;
        options.ValidationSet = valid;
        options.EvaluationInterval = 250;
        options.Progress = new Recorder(p => { reports.Add(p); Console.WriteLine($"  {name}: {p}"); });
        var clock = Stopwatch.StartNew();
        using var model = trainer(options).Fit(train);
        double trainSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var metrics = ml.LanguageModeling().Evaluate(model.Transform(valid));
        double scoring = metrics.TokenCount / clock.Elapsed.TotalSeconds;

        // Sampling: whole rows from the start until 500 characters, after one warm-up row.
        model.Generate("", maxNewTokens: 100, temperature: 0.8, seed: 0);
        var rows = new List<string>();
        clock.Restart();
        for (int seed = 1; rows.Sum(r => r.Length + 1) < 500; seed++) rows.Add(model.Generate("", maxNewTokens: 200, temperature: 0.8, seed: seed));
        double sampling = rows.Sum(r => r.Length + 1) / clock.Elapsed.TotalSeconds;   // each row's end is a sampled token too
        Console.WriteLine($"  {name} samples: {string.Join(" / ", rows.Take(6))}");
        long parameters = model.Model switch
        {
            GptLanguageModel g => g.Model.parameters().Sum(p => p.numel()),
            LstmLanguageModel l => l.Model.parameters().Sum(p => p.numel()),
            _ => 0,
        };
        var last = reports[^1];
        return new Result(name, parameters, last.Iteration, last.TokensSeen, trainSeconds, reports.Max(r => r.TokensPerSecond), last.ValidationLoss,
            metrics.CrossEntropy, scoring, sampling);
    }

    private sealed class Line
    {
        public string Text { get; set; } = "";
    }

    private sealed class Recorder(Action<TrainingProgress> onReport) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => onReport(value);
    }
}
