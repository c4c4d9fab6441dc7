// ArML QuickStart: tokenize a text column, train a small GPT, score, evaluate, sample, save, load, re-score.
// With no arguments it trains on an embedded corpus drawn from a seeded word-level Markov chain whose entropy is
// known exactly, so the report can show how close the model gets to the best any model can do.
// Usage: dotnet run -c Release --project examples/QuickStart [-- --corpus PATH] [--iterations N]
using System.Diagnostics;
using ArML;
using ArML.Evaluators;
using ArML.Examples.QuickStart;
using ArML.Persistence;
using ArML.Synthetic;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using Microsoft.ML;

var arguments = QuickStartArguments.Parse(args);
var clock = Stopwatch.StartNew();
var mlContext = new MLContext(seed: 1);

// 1. Data: rows of text, 90% for training and 10% for validation.
MarkovTextSource? source = null;
string[] trainRows, validRows;
if (arguments.CorpusPath is null)
{
    source = MarkovTextSource.CreateDefault(seed: 1);
    trainRows = source.Sample(12_000, seed: 11).ToArray();
    validRows = source.Sample(1_000, seed: 12).ToArray();
    Console.WriteLine($"Corpus: embedded Markov source over {source.Words.Count} words; {trainRows.Length} training rows, {validRows.Length} validation rows.");
}
else
{
    var lines = File.ReadAllLines(arguments.CorpusPath).Where(l => l.Length > 0).ToArray();
    int split = (int)(lines.Length * 0.9);
    trainRows = lines[..split];
    validRows = lines[split..];
    Console.WriteLine($"Corpus: {arguments.CorpusPath}; {trainRows.Length} training rows, {validRows.Length} validation rows.");
}
var train = mlContext.Data.LoadFromEnumerable(trainRows.Select(t => new TextRow { Text = t }));
var valid = mlContext.Data.LoadFromEnumerable(validRows.Select(t => new TextRow { Text = t }));

// 2. Pipeline: characters -> token keys -> GPT.
var options = new GptTrainer.Options
{
    TokenColumnName = "Tokens",
    ContextLength = 64,
    LayerCount = 4,
    HeadCount = 4,
    EmbeddingSize = 128,
    BatchSize = 16,
    MaxIterations = arguments.Iterations,
    LearningRate = 2e-3,
    WarmupIterations = 100,
    EvaluationInterval = Math.Max(1, arguments.Iterations / 10),
    Progress = new Progress<ArML.Training.TrainingProgress>(p => Console.WriteLine("  " + p)),
};
var pipeline = mlContext.Transforms.Text.TokenizeCharacters("Tokens", "Text")
    .Append(mlContext.LanguageModeling().Trainers.Gpt(options));
Console.WriteLine($"Training a {options.LayerCount}-layer, {options.EmbeddingSize}-wide GPT for {options.MaxIterations} iterations...");
var model = pipeline.Fit(train);
var gpt = model.LastTransformer;
Console.WriteLine($"Trained in {clock.Elapsed.TotalSeconds:F0} s.");

// 3. Evaluate on validation rows, next to the floor (the source's entropy) and a character unigram baseline.
var metrics = mlContext.LanguageModeling().Evaluate(model.Transform(valid));
var unigram = UnigramBaseline.Fit(trainRows);
double unigramPerRow = validRows.Average(unigram.NegativeLogLikelihood);
Console.WriteLine();
Console.WriteLine("Validation (nats per row; every row's characters and its end are predicted):");
Console.WriteLine($"  GPT                  {metrics.NegativeLogLikelihoodPerRow,8:F3}   perplexity {metrics.Perplexity:F4} per token, cross-entropy {metrics.CrossEntropy:F4} nats/token");
Console.WriteLine($"  unigram baseline     {unigramPerRow,8:F3}");
if (source != null)
{
    double floor = source.EntropyPerRow;
    double sampleFloor = validRows.Average(r => -source.LogProbability(r));
    Console.WriteLine($"  true source entropy  {floor,8:F3}   (exact; on these {validRows.Length} rows the true model scores {sampleFloor:F3})");
    Console.WriteLine($"  gap to the floor: GPT {metrics.NegativeLogLikelihoodPerRow - sampleFloor:F3}, unigram {unigramPerRow - sampleFloor:F3} nats/row " +
                      $"(GPT closes {100 * (unigramPerRow - metrics.NegativeLogLikelihoodPerRow) / (unigramPerRow - sampleFloor):F1}% of the unigram's gap)");
}

// 4. Sample.
Console.WriteLine();
Console.WriteLine("Samples (temperature 1):");
for (int i = 0; i < 5; i++) Console.WriteLine("  " + gpt.Generate(maxNewTokens: 120, temperature: 1.0, seed: i));
Console.WriteLine($"Greedy: {gpt.Generate("the ", maxNewTokens: 80, temperature: 0)}");

// 5. Save to one file, load, re-score: identical metrics.
string path = Path.Combine(Path.GetTempPath(), "arml-quickstart.zip");
mlContext.Model.SaveArml(model, train.Schema, path);
var loaded = mlContext.Model.LoadArml(path, out var inputSchema);
var reloaded = mlContext.LanguageModeling().Evaluate(loaded.Transform(valid));
bool identical = reloaded.NegativeLogLikelihood == metrics.NegativeLogLikelihood && reloaded.TokenCount == metrics.TokenCount;
Console.WriteLine();
Console.WriteLine($"Saved to {path} ({new FileInfo(path).Length / 1024} KiB); loaded (input columns: {string.Join(", ", inputSchema.Select(c => c.Name))}).");
Console.WriteLine($"Re-scored after loading: perplexity {reloaded.Perplexity:F6} vs {metrics.Perplexity:F6} -> {(identical ? "identical" : "DIFFERENT")}.");
Console.WriteLine($"Total wall time {clock.Elapsed.TotalSeconds:F0} s.");
(gpt as IDisposable)?.Dispose();
(loaded as IDisposable)?.Dispose();
return identical ? 0 : 1;
