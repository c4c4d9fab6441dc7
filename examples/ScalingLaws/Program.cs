// ArML scaling laws in miniature: train a series of small GPTs at increasing compute on the same data, fit
// L(C) = a·C^b + c on all but the largest run, predict the largest run's loss, and compare with what it measured.
// Compute per run is C = 6·N·D FLOPs: N = the model's parameters (all of them, embeddings included; the output head
// is tied to the token embedding), D = training tokens (steps × batch × context).
// The data is the embedded Markov source, whose entropy is known exactly: the floor c should approach it.
// Usage: dotnet run -c Release --project examples/ScalingLaws [-- --output scaling-law.png] [--scale F]
using System.Diagnostics;
using ArML;
using ArML.Evaluators.ScalingLaws;
using ArML.Examples.ScalingLaws;
using ArML.Synthetic;
using Microsoft.ML;

var arguments = ScalingArguments.Parse(args);
var clock = Stopwatch.StartNew();
var mlContext = new MLContext(seed: 1);

MarkovTextSource? source = null;
TextRow[] trainRows, validRows;
if (arguments.CorpusPath is null)
{
    source = MarkovTextSource.CreateDefault(seed: 1);
    trainRows = source.Sample(20_000, seed: 31).Select(t => new TextRow { Text = t }).ToArray();
    validRows = source.Sample(2_000, seed: 32).Select(t => new TextRow { Text = t }).ToArray();
}
else
{
    var lines = File.ReadAllLines(arguments.CorpusPath).Where(l => l.Length > 0).Select(t => new TextRow { Text = t }).ToArray();
    int split = (int)(lines.Length * 0.9);
    trainRows = lines[..split];
    validRows = lines[split..];
}
// Tokenize once; every run reads the same token columns.
var tokenizer = mlContext.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(mlContext.Data.LoadFromEnumerable(trainRows));
var train = mlContext.Data.Cache(tokenizer.Transform(mlContext.Data.LoadFromEnumerable(trainRows)));
var valid = mlContext.Data.Cache(tokenizer.Transform(mlContext.Data.LoadFromEnumerable(validRows)));

// Wider and deeper models trained for longer: compute grows about 1.7 times per run.
ScalingRun[] runs =
[
    new(2, 24, 2, 600), new(2, 32, 2, 600), new(2, 40, 4, 700), new(2, 48, 4, 850),
    new(3, 48, 4, 1000), new(3, 56, 4, 1100), new(3, 64, 4, 1300),
];
runs = runs.Select(r => r with { Iterations = Math.Max(10, (int)Math.Round(r.Iterations * arguments.IterationScale)) }).ToArray();

Console.WriteLine(source is null
    ? $"Data: {arguments.CorpusPath}, character tokens; {trainRows.Length} training rows, {validRows.Length} validation rows."
    : $"Data: embedded Markov source, character tokens; floor (exact source entropy) {source.EntropyPerCharacter:F4} nats/token.");
Console.WriteLine($"Compute C = 6·N·D (N parameters, D = steps × {ScalingRun.BatchSize} × {ScalingRun.ContextLength} tokens).");
Console.WriteLine();
Console.WriteLine(" run  layers  width  params   steps   tokens      compute (FLOPs)   valid loss   time");
var results = new List<ScalingResult>();
for (int i = 0; i < runs.Length; i++)
{
    var result = runs[i].Train(mlContext, train, valid, seed: 100 + i);
    results.Add(result);
    Console.WriteLine($" {i + 1,3}  {result.Run.Layers,6}  {result.Run.Width,5}  {result.Parameters,6}  {result.Run.Iterations,6}  {result.Run.TrainingTokens,7}  {result.Compute,17:E3}   {result.Loss,10:F4}  {result.Seconds,4:F0} s");
}

var fitted = results.Take(results.Count - 1).Select(r => new ScalingPoint(r.Compute, r.Loss)).ToList();
var largest = results[^1];
var fit = ScalingLaw.Fit(fitted);
var prediction = fit.Predict(largest.Compute);
Console.WriteLine();
Console.WriteLine($"Fit on runs 1..{fitted.Count}: L(C) = a·C^b + c with");
Console.WriteLine($"  a = {fit.A:G4} ± {fit.StandardErrorA:G3}, b = {fit.B:F4} ± {fit.StandardErrorB:F4}, c = {fit.C:F4} ± {fit.StandardErrorC:F4}  (residual s = {fit.ResidualStandardError:F4})");
if (source != null)
    Console.WriteLine($"  irreducible loss c vs the source's exact entropy: {fit.C:F4} vs {source.EntropyPerCharacter:F4} nats/token");
Console.WriteLine($"Largest run (C = {largest.Compute:E3} FLOPs, {largest.Compute / fitted[^1].Scale:F1}x the largest fitted):");
Console.WriteLine($"  predicted {prediction.Loss:F4} nats/token (95% interval for a run: {prediction.ObservationInterval.Lower:F4}..{prediction.ObservationInterval.Upper:F4})");
Console.WriteLine($"  measured  {largest.Loss:F4} nats/token -> error {largest.Loss - prediction.Loss:+0.0000;-0.0000} " +
                  $"({(prediction.ObservationInterval.Contains(largest.Loss) ? "inside" : "outside")} the interval)");

ScalingPlot.Save(arguments.OutputPath, fit, fitted, largest, prediction, source?.EntropyPerCharacter);
Console.WriteLine($"Plot: {Path.GetFullPath(arguments.OutputPath)}");
Console.WriteLine($"Total wall time {clock.Elapsed.TotalSeconds:F0} s.");
