// A stranger's application: it knows ArML only by package id. CI builds it outside the repository against the
// packages just packed, so a broken package (missing dependency, no libstdc++ fix, a type left internal that users
// need) fails CI. It trains a tiny GPT, saves, loads and re-scores; exit code 0 only if the reloaded model agrees.
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using ArML;
using ArML.Persistence;
using ArML.Trainers.Gpt;
using Microsoft.ML;

// On linux-x64 the packages' precompiled images (runtimes/linux-x64/lib) must be the ones loaded, however the app
// was built or published; elsewhere the IL.
var armlAssemblies = new[] { typeof(MLContextLanguageModelingExtensions), typeof(GptTrainer) }.Select(t => t.Assembly).ToArray();
foreach (var assembly in armlAssemblies)
{
    using var pe = new PEReader(File.OpenRead(assembly.Location));
    bool precompiled = pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0;
    Console.WriteLine($"consumer: {assembly.GetName().Name} {(precompiled ? "ReadyToRun" : "IL only")} from {assembly.Location}");
    if (RuntimeInformation.RuntimeIdentifier == "linux-x64" && !precompiled)
    {
        Console.WriteLine("consumer: FAILED (linux-x64 loaded IL, not the package's ReadyToRun image)");
        return 1;
    }
}

var mlContext = new MLContext(seed: 1);
string[] words = ["the", "cat", "sat", "on", "a", "mat", "dog", "ran", "to", "it"];
var random = new Random(7);
var rows = Enumerable.Range(0, 400)
    .Select(_ => new Row { Text = string.Join(' ', Enumerable.Range(0, 6).Select(_ => words[random.Next(words.Length)])) })
    .ToArray();
var train = mlContext.Data.LoadFromEnumerable(rows[..360]);
var valid = mlContext.Data.LoadFromEnumerable(rows[360..]);

var pipeline = mlContext.Transforms.Text.TokenizeCharacters("Tokens", "Text")
    .Append(mlContext.LanguageModeling().Trainers.Gpt(new GptTrainer.Options
    {
        TokenColumnName = "Tokens", ContextLength = 32, LayerCount = 1, HeadCount = 2, EmbeddingSize = 32,
        BatchSize = 8, MaxIterations = 60, LearningRate = 3e-3,
    }));
var model = pipeline.Fit(train);
var before = mlContext.LanguageModeling().Evaluate(model.Transform(valid));

string path = Path.Combine(Path.GetTempPath(), $"arml-consumer-{Environment.ProcessId}.zip");
mlContext.Model.SaveArml(model, train.Schema, path);
var loaded = mlContext.Model.LoadArml(path, out _);
var after = mlContext.LanguageModeling().Evaluate(loaded.Transform(valid));
File.Delete(path);

Console.WriteLine($"consumer: perplexity {before.Perplexity:F4} (trained), {after.Perplexity:F4} (saved and loaded), " +
                  $"{before.TokenCount} tokens; sample: {model.LastTransformer.Generate("the ", maxNewTokens: 20, temperature: 0)}");
bool ok = before.Perplexity < words.Length * 3 && after.NegativeLogLikelihood == before.NegativeLogLikelihood;
Console.WriteLine(ok ? "consumer: OK" : "consumer: FAILED");
return ok ? 0 : 1;

internal sealed class Row
{
    public string Text { get; set; } = "";
}
