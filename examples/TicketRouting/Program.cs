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
int steps = stepsAt >= 0 ? int.Parse(args[stepsAt + 1], System.Globalization.CultureInfo.InvariantCulture) : 1500;

// Tab-separated with a header: ID, Area, Title, Description (no tabs or newlines inside fields).
var issues = File.ReadLines(path).Skip(1).Select(line => line.Split('\t')).Where(f => f.Length >= 4)
    .Select(f => new Issue { Area = f[1], Title = f[2], Description = f[3], Text = f[2] + "\n" + f[3] }).ToList();
var ml = new MLContext(seed: 1);
var split = ml.Data.TrainTestSplit(ml.Data.LoadFromEnumerable(issues), testFraction: 0.2, seed: 1);
// Every choice (when to stop) is made on a validation part of the training rows; the test rows are scored once.
var parts = ml.Data.TrainTestSplit(split.TrainSet, testFraction: 0.15, seed: 2);
var toKey = ml.Transforms.Conversion.MapValueToKey("Label", "Area").Fit(ml.Data.LoadFromEnumerable(issues));
var train = toKey.Transform(split.TrainSet);
var test = toKey.Transform(split.TestSet);
var fit = toKey.Transform(parts.TrainSet);
var validation = toKey.Transform(parts.TestSet);

Console.WriteLine("Baseline: FeaturizeText + SdcaMaximumEntropy ...");
var baseline = ml.Transforms.Text.FeaturizeText("TitleFeaturized", "Title")
    .Append(ml.Transforms.Text.FeaturizeText("DescriptionFeaturized", "Description"))
    .Append(ml.Transforms.Concatenate("Features", "TitleFeaturized", "DescriptionFeaturized"))
    .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy())
    .Fit(train);
var baselineMetrics = ml.MulticlassClassification.Evaluate(baseline.Transform(test));

Console.WriteLine($"GPT: language-model pretraining (at most {2 * steps} steps), then classification (at most {steps} steps) ...");
var tokenizer = ml.Transforms.Text.TrainTokenizer("Tokens", "Text", new TokenizerTrainerOptions { VocabularySize = 2000 }).Fit(train);
var fitTokens = tokenizer.Transform(fit);
var validationTokens = tokenizer.Transform(validation);
using var lm = ml.LanguageModeling().Trainers.Gpt(new GptTrainer.Options
{
    ContextLength = 128, LayerCount = 2, HeadCount = 4, EmbeddingSize = 128, BatchSize = 16, MaxIterations = 2 * steps, WarmupIterations = 100, Seed = 1,
    ValidationSet = validationTokens, EvaluationInterval = 100, EarlyStoppingPatience = 3,
}).Fit(fitTokens);
using var classifier = ml.MulticlassClassification.Trainers.GptClassifier(new GptClassifierOptions
{
    InitialModel = lm, BatchSize = 16, MaxIterations = steps, LearningRate = 3e-4, WarmupIterations = 50, Seed = 1,
    BalanceClasses = true,   // every area weighs the same in the loss: macro-accuracy counts rare areas as much as common ones
    ValidationSet = validationTokens, EvaluationInterval = 50, EarlyStoppingPatience = 4,
}).Fit(fitTokens);
var gptMetrics = ml.MulticlassClassification.Evaluate(classifier.Transform(tokenizer.Transform(test)));

Console.WriteLine($"{"",-32} {"micro-acc",10} {"macro-acc",10} {"log-loss",9}");
Console.WriteLine($"{"FeaturizeText + SdcaMaxEnt",-32} {baselineMetrics.MicroAccuracy,10:F3} {baselineMetrics.MacroAccuracy,10:F3} {baselineMetrics.LogLoss,9:F3}");
Console.WriteLine($"{"GptClassifier (LM-pretrained)",-32} {gptMetrics.MicroAccuracy,10:F3} {gptMetrics.MacroAccuracy,10:F3} {gptMetrics.LogLoss,9:F3}");
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
