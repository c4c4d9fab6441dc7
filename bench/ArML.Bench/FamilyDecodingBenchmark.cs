using ArML.Synthetic;
using ArML.Torch;
using ArML.Trainers;
using ArML.Trainers.Baseline;
using ArML.Trainers.Generation;
using ArML.Trainers.Lstm;
using ArML.Trainers.NGram;
using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Bench;

/// <summary>
/// Step decoding of the non-GPT families, carried state against re-reading every row whole at each step (the reference
/// decoders), measured in the same run: LSTM and GRU 2×512 and the linear baseline (window 8, width 256), random weights,
/// vocabulary 65; a modified Kneser-Ney 5-gram trained on synthetic text. Prompts of 256 and 1024 ids, then greedy steps.
/// </summary>
internal static class FamilyDecodingBenchmark
{
    private const int Vocabulary = 65;

    public static int Run(string[] args)
    {
        int newTokens = args.Length >= 2 && args[0] == "--tokens" ? int.Parse(args[1]) : 32;
        TorchRuntime.EnsureInitialized();
        Console.WriteLine($"{torch.get_num_threads()} threads; {newTokens} new tokens after the prompt (per-token figures: medians over the steps).");
        Console.WriteLine();
        Console.WriteLine($"{"prompt",7} {"decoder",-10} {"first token ms",15} {"per token ms",13} {"p90 ms",8} {"decode tok/s",13} {"vs recompute",13}");
        var ids = new TokenIdLayout(Vocabulary, 0);
        torch.manual_seed(1);
        var models = new (string Name, IStepDecodingModel Model)[]
        {
            ("LSTM 2×512", new LstmLanguageModel(new LstmModel(new LstmConfig(ids.Size, RecurrentCell.Lstm, 2, 512, 512, 0)), ids, CPU)),
            ("GRU 2×512", new LstmLanguageModel(new LstmModel(new LstmConfig(ids.Size, RecurrentCell.Gru, 2, 512, 512, 0)), ids, CPU)),
            ("baseline", new LinearBaselineLanguageModel(new AverageEmbeddingModel(new AverageEmbeddingConfig(ids.Size, 8, 256)), ids, CPU)),
            ("5-gram", NGram()),
        };
        foreach (var (name, model) in models)
        {
            Console.WriteLine(name);
            foreach (int length in new[] { 256, 1024 })
            {
                var random = new Random(1);
                int tokens = Math.Min(model.TokenCount - 1, Vocabulary);   // the n-gram's last token id is its unknown token
                var prompt = model.BeginRow(Enumerable.Range(0, length - 1).Select(_ => random.Next(tokens)).ToArray(), null).ToArray();
                foreach (var mode in new[] { StepDecoderMode.Cached, StepDecoderMode.Recompute })
                    GenerationSpeedBenchmark.Measure(model, mode, prompt[..8], 4);   // warm-up
                var cached = GenerationSpeedBenchmark.Measure(model, StepDecoderMode.Cached, prompt, newTokens);
                var full = GenerationSpeedBenchmark.Measure(model, StepDecoderMode.Recompute, prompt, newTokens);
                GenerationSpeedBenchmark.Print(length, "recompute", full, full);
                GenerationSpeedBenchmark.Print(length, "state", cached, full);
            }
            (model as IDisposable)?.Dispose();
        }
        return 0;
    }

    private static IStepDecodingModel NGram()
    {
        var ml = new MLContext(seed: 1);
        var rows = MarkovTextSource.CreateDefault(seed: 1).Sample(20_000, seed: 1).Select(t => new Row { Text = t });
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Append(ml.LanguageModeling().Trainers.NGram(new NGramTrainer.Options { Order = 5 })).Fit(data);
        return model.LastTransformer.DecodingModel;
    }

    private sealed class Row
    {
        public string Text { get; set; } = "";
    }
}
