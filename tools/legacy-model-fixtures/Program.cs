// Writes the layout-version-1 model files that test/ArML.Tests/Trainers/Fixtures holds, with the scores they gave.
// Run it from a checkout of the version that wrote layout 1 (commit 0fe8816, before compact vocabularies):
//   dotnet run -c Release --project tools/legacy-model-fixtures -- OUTPUT_FOLDER
// Each model is a chain of ArML's character tokenizer and a tiny language model, saved with SaveArml; scores.json
// holds the LogLikelihood of each probe row, which the current version must reproduce after loading the files.
using System.Text.Json;
using ArML;
using ArML.Persistence;
using ArML.Trainers.Gpt;
using ArML.Trainers.Lstm;
using ArML.Trainers.NGram;
using ArML.Transforms.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

string output = args.Length > 0 ? args[0] : "legacy-fixtures";
Directory.CreateDirectory(output);
var ml = new MLContext(seed: 1);
string[] train = ["the cat sees the dog", "a dog likes the red ball", "my cat and the fox", "the fox sees a hen", "a red hen likes my dog"];
string[] probe = ["the cat", "a dog sees the fox", "", "zebra?", "the red ball likes my hen"];   // 'z', 'b'... and '?' include unseen characters
var data = ml.Data.LoadFromEnumerable(train.Select(t => new Row { Text = t }));
var probes = ml.Data.LoadFromEnumerable(probe.Select(t => new Row { Text = t }));
var scores = new Dictionary<string, double[]>();

Save("gpt", ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Append(ml.LanguageModeling().Trainers.Gpt(new GptTrainer.Options
{
    ContextLength = 8, LayerCount = 1, HeadCount = 2, EmbeddingSize = 8, BatchSize = 4, MaxIterations = 10, WarmupIterations = 2, Seed = 1,
})).Fit(data));
Save("lstm", ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Append(ml.LanguageModeling().Trainers.Lstm(new LstmTrainer.Options
{
    LayerCount = 1, HiddenSize = 8, BatchSize = 4, SequenceLength = 8, MaxIterations = 10, WarmupIterations = 2, Seed = 1,
})).Fit(data));
Save("ngram", ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Append(ml.LanguageModeling().Trainers.NGram(new NGramTrainer.Options { Order = 3 })).Fit(data));
File.WriteAllText(Path.Combine(output, "scores.json"), JsonSerializer.Serialize(new { Rows = probe, Scores = scores }));

void Save(string name, ITransformer model)
{
    ml.Model.SaveArml(model, data.Schema, Path.Combine(output, $"v1-{name}.zip"));
    scores[name] = model.Transform(probes).GetColumn<double>("LogLikelihood").ToArray();
    (model as IDisposable)?.Dispose();
}

internal sealed class Row
{
    public string Text { get; set; } = "";
}
