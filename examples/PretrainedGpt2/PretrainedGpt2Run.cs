using System.Diagnostics;
using System.Globalization;
using ArML.Evaluators;
using ArML.Trainers;
using ArML.Trainers.Generation;
using ArML.Trainers.Gpt;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Examples.PretrainedGpt2;

/// <summary>What a run measured, for callers that check it (the tests).</summary>
/// <param name="Text">The whole text scored by the pretrained model.</param>
/// <param name="ValidationBefore">The held-out rows before fine-tuning.</param>
/// <param name="ValidationAfter">The held-out rows after fine-tuning; null when it was skipped.</param>
/// <param name="Sample">The continuation generated from the prompt.</param>
public sealed record PretrainedGpt2Report(LanguageModelMetrics Text, LanguageModelMetrics ValidationBefore, LanguageModelMetrics? ValidationAfter, string Sample);

/// <summary>Loads a Hugging Face GPT-2, scores a text, samples from a prompt, fine-tunes briefly and optionally exports.</summary>
public static class PretrainedGpt2Run
{
    /// <summary>Shown when no model directory is given: how to fetch gpt2 once and where to point the example.</summary>
    public const string DownloadHelp =
        "This example needs a Hugging Face GPT-2 directory. Download gpt2 (124M parameters, about 550 MB) once with:\n" +
        "  pip install -U \"huggingface_hub[cli]\"\n" +
        "  huggingface-cli download gpt2 config.json model.safetensors vocab.json merges.txt tokenizer.json tokenizer_config.json --local-dir gpt2\n" +
        "then point the example at that folder:\n" +
        "  dotnet run -c Release --project examples/PretrainedGpt2 -- --model gpt2\n" +
        "Any GPT2LMHeadModel directory with model.safetensors works (distilgpt2, gpt2-medium, a fine-tuned export).";

    /// <summary>Runs every step, writing progress and results to <paramref name="output"/>.</summary>
    /// <exception cref="ArgumentException">No model directory, or the text has no non-empty line.</exception>
    public static PretrainedGpt2Report Run(PretrainedGpt2Settings settings, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(settings);
        string directory = settings.ModelDirectory ?? throw new ArgumentException("A model directory is needed.", nameof(settings));
        var rows = ReadRows(settings.TextFile);
        // The last fifth of the rows (at least one) is held out: fine-tuning never sees it.
        int heldOut = Math.Max(1, rows.Count / 5);
        var trainRows = rows.Take(rows.Count - heldOut).ToArray();
        var validRows = rows.Skip(rows.Count - heldOut).ToArray();

        var mlContext = new MLContext(seed: settings.Seed);
        var clock = Stopwatch.StartNew();
        output.WriteLine($"Loading {directory}...");
        using var gpt2 = mlContext.LanguageModeling().LoadHuggingFace(directory, new HuggingFaceOptions
        {
            IgnoreAddedTokens = settings.IgnoreAddedTokens,
            MaximumContextLength = settings.ContextLength == 0 ? null : settings.ContextLength,
        });
        var model = (LanguageModelTransformer)gpt2.LastTransformer;
        output.WriteLine($"Loaded in {clock.Elapsed.TotalSeconds:F1} s: context {model.Model.ContextLength} tokens.");

        var all = Rows(mlContext, rows);
        var text = Evaluate(mlContext, gpt2, all);
        output.WriteLine($"Text ({rows.Count} rows, {text.TokenCount} tokens, {text.ByteCount} bytes):");
        output.WriteLine(Describe(text));

        var generator = mlContext.LanguageModeling().CreateTextGenerator(gpt2);
        var sampling = new GenerationOptions { MaxNewTokens = settings.MaxNewTokens, Temperature = 0.8, TopP = 0.95, Seed = settings.Seed };
        string sample = generator.Generate(settings.Prompt, sampling);
        output.WriteLine($"Sample (top-p 0.95, temperature 0.8, seed {settings.Seed}): {settings.Prompt}{sample}");

        var valid = Rows(mlContext, validRows);
        var before = Evaluate(mlContext, gpt2, valid);
        output.WriteLine($"Held-out rows ({validRows.Length}) before fine-tuning: {Describe(before)}");
        if (settings.Steps == 0 || trainRows.Length == 0)
        {
            output.WriteLine(settings.Steps == 0 ? "Fine-tuning skipped (--steps 0)." : "Fine-tuning skipped: the text has a single row, which is held out.");
            return new PretrainedGpt2Report(text, before, null, sample);
        }

        var tokenizer = gpt2.First();
        var trainer = mlContext.LanguageModeling().Trainers.Gpt(new GptTrainer.Options
        {
            ContextLength = model.Model.ContextLength,   // a warm start keeps the positions it was loaded with
            BatchSize = settings.BatchSize,
            MaxIterations = settings.Steps,
            LearningRate = settings.LearningRate,
            WarmupIterations = settings.Steps / 10,
            EvaluationInterval = Math.Max(1, settings.Steps / 5),
            Seed = settings.Seed,
            ValidationSet = tokenizer.Transform(valid),   // the held-out rows: their loss shows in the progress lines
            Progress = new LineProgress(output),
        });
        output.WriteLine($"Fine-tuning for {settings.Steps} steps on {trainRows.Length} rows...");
        clock.Restart();
        using var tuned = trainer.Fit(tokenizer.Transform(Rows(mlContext, trainRows)), model);   // keeps the tokenizer and its ids
        using var tunedChain = new TransformerChain<ITransformer>(tokenizer, tuned);
        output.WriteLine($"Fine-tuned in {clock.Elapsed.TotalSeconds:F1} s.");
        var after = Evaluate(mlContext, tunedChain, valid);
        output.WriteLine($"Held-out rows after fine-tuning: {Describe(after)}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Held-out perplexity per token {before.Perplexity:F3} -> {after.Perplexity:F3}."));

        if (settings.ExportDirectory is { } export)
        {
            tunedChain.SaveHuggingFace(export);
            output.WriteLine($"Exported to {export}: GPT2LMHeadModel.from_pretrained and AutoTokenizer.from_pretrained read it.");
        }
        return new PretrainedGpt2Report(text, before, after, sample);
    }

    /// <summary>Non-empty lines of the file, or the built-in paragraphs.</summary>
    private static IReadOnlyList<string> ReadRows(string? file)
    {
        if (file is null) return BuiltInText.Paragraphs;
        var lines = File.ReadAllLines(file).Where(l => !string.IsNullOrWhiteSpace(l)).ToArray();
        return lines.Length > 0 ? lines : throw new ArgumentException($"Text file '{file}' has no non-empty line.", nameof(file));
    }

    private static IDataView Rows(MLContext mlContext, IEnumerable<string> texts) =>
        mlContext.Data.LoadFromEnumerable(texts.Select(t => new TextRow { Text = t }).ToArray());

    // The text column gives the evaluator the UTF-8 byte count behind bits per byte.
    private static LanguageModelMetrics Evaluate(MLContext mlContext, ITransformer chain, IDataView rows) =>
        mlContext.LanguageModeling().Evaluate(chain.Transform(rows), textColumnName: "Text");

    private static string Describe(LanguageModelMetrics m) => string.Create(CultureInfo.InvariantCulture,
        $"perplexity {m.Perplexity:F3} per token ({m.BitsPerToken:F3} bits/token), {m.BytePerplexity:F3} per byte ({m.BitsPerByte:F3} bits/byte)");
}
