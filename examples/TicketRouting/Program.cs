// Ticket routing: predict a GitHub issue's area from its title and description, with ML.NET's text baseline
// (FeaturizeText + SdcaMaximumEntropy, the GitHub-labeler sample's pipeline) printed beside a GPT classifier that is
// first pretrained as a language model on the training issues' text (GPT-1's recipe).
// Usage: dotnet run -c Release --project examples/TicketRouting [-- path/to/corefx-issues.tsv] [--steps N]
using ArML;
using ArML.Trainers.Classification;
using ArML.Trainers.Gpt;
using ArML.Transforms.Text;
using Microsoft.ML;

string path = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? FindIssues();
int stepsAt = Array.IndexOf(args, "--steps");
int steps = stepsAt >= 0 ? int.Parse(args[stepsAt + 1], System.Globalization.CultureInfo.InvariantCulture) : 500;

// Tab-separated with a header: ID, Area, Title, Description (no tabs or newlines inside fields).
var issues = File.ReadLines(path).Skip(1).Select(line => line.Split('\t')).Where(f => f.Length >= 4)
    .Select(f => new Issue { Area = f[1], Title = f[2], Description = f[3], Text = f[2] + "\n" + f[3] }).ToList();
var ml = new MLContext(seed: 1);
var split = ml.Data.TrainTestSplit(ml.Data.LoadFromEnumerable(issues), testFraction: 0.2, seed: 1);
var toKey = ml.Transforms.Conversion.MapValueToKey("Label", "Area").Fit(ml.Data.LoadFromEnumerable(issues));
var train = toKey.Transform(split.TrainSet);
var test = toKey.Transform(split.TestSet);

Console.WriteLine("Baseline: FeaturizeText + SdcaMaximumEntropy ...");
var baseline = ml.Transforms.Text.FeaturizeText("TitleFeaturized", "Title")
    .Append(ml.Transforms.Text.FeaturizeText("DescriptionFeaturized", "Description"))
    .Append(ml.Transforms.Concatenate("Features", "TitleFeaturized", "DescriptionFeaturized"))
    .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy())
    .Fit(train);
var baselineMetrics = ml.MulticlassClassification.Evaluate(baseline.Transform(test));

Console.WriteLine($"GPT: language-model pretraining ({2 * steps} steps), then classification ({steps} steps) ...");
var lm = ml.Transforms.Text.TrainTokenizer("Tokens", "Text", new TokenizerTrainerOptions { VocabularySize = 2000 })
    .Append(ml.LanguageModeling().Trainers.Gpt(new GptTrainer.Options
    {
        ContextLength = 128, LayerCount = 2, HeadCount = 4, EmbeddingSize = 128, BatchSize = 16, MaxIterations = 2 * steps, WarmupIterations = 50, Seed = 1,
    }))
    .Fit(train);
var tokenizer = lm.First();
using var classifier = ml.MulticlassClassification.Trainers.GptClassifier(new GptClassifierOptions
{
    InitialModel = lm.LastTransformer, BatchSize = 16, MaxIterations = steps, LearningRate = 3e-4, WarmupIterations = 50, Seed = 1,
}).Fit(tokenizer.Transform(train));
var gptMetrics = ml.MulticlassClassification.Evaluate(classifier.Transform(tokenizer.Transform(test)));

Console.WriteLine($"{"",-32} {"micro-acc",10} {"macro-acc",10} {"log-loss",9}");
Console.WriteLine($"{"FeaturizeText + SdcaMaxEnt",-32} {baselineMetrics.MicroAccuracy,10:F3} {baselineMetrics.MacroAccuracy,10:F3} {baselineMetrics.LogLoss,9:F3}");
Console.WriteLine($"{"GptClassifier (LM-pretrained)",-32} {gptMetrics.MicroAccuracy,10:F3} {gptMetrics.MacroAccuracy,10:F3} {gptMetrics.LogLoss,9:F3}");
lm.LastTransformer.Dispose();
return 0;

static string FindIssues()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
    {
        string candidate = Path.Combine(dir.FullName, "shared", "data", "github-issues", "corefx-issues.tsv");
        if (File.Exists(candidate)) return candidate;
    }
    throw new FileNotFoundException("Pass the path of corefx-issues.tsv (../shared/data/github-issues in the ArML repository).");
}

internal sealed class Issue
{
    public string Area { get; set; } = "";
    public string Title { get; set; } = "";
    public string Description { get; set; } = "";
    public string Text { get; set; } = "";
}
