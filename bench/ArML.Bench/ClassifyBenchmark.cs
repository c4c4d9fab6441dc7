using System.Diagnostics;
using ArML.Evaluators;
using ArML.Trainers;
using ArML.Trainers.Classification;
using ArML.Trainers.Gpt;
using ArML.Transforms.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Bench;

/// <summary>
/// Ticket routing on ../shared/data/github-issues (1,615 dotnet/corefx issues, 22 areas), one seeded 80/20 split, in
/// one run: (a) ML.NET's FeaturizeText + SdcaMaximumEntropy (the GitHub-labeler sample's pipeline), (b) a
/// GptClassifier from scratch, (c) the same after LM pretraining on the training rows' text. Micro- and
/// macro-accuracy and log-loss on the test rows, with 95% row-bootstrap intervals. Options: --quick (a fifth of the
/// iterations), --iterations N (classifier steps; pretraining takes twice as many), --seed S (split and training).
/// </summary>
internal static class ClassifyBenchmark
{
    private const int Context = 128;

    public sealed class Issue
    {
        public string Area { get; set; } = "";
        public string Title { get; set; } = "";
        public string Description { get; set; } = "";
        public string Text { get; set; } = "";
    }

    public static int Run(string[] args)
    {
        string path = FindIssues();
        int iterations = Option(args, "--iterations", args.Contains("--quick") ? 100 : 500);
        int seed = Option(args, "--seed", 1);
        var issues = File.ReadLines(path).Skip(1).Select(line => line.Split('\t')).Where(f => f.Length >= 4)
            .Select(f => new Issue { Area = f[1], Title = f[2], Description = f[3], Text = f[2] + "\n" + f[3] }).ToList();
        var random = new Random(seed);
        var shuffled = issues.OrderBy(_ => random.Next()).ToList();
        int cut = shuffled.Count * 4 / 5;
        var ml = new MLContext(seed);
        var all = ml.Data.LoadFromEnumerable(shuffled);
        // One label mapping over every row's area (labels only, no text): both splits and all models share the keys.
        var labels = ml.Transforms.Conversion.MapValueToKey("Label", "Area").Fit(all);
        var train = labels.Transform(ml.Data.LoadFromEnumerable(shuffled[..cut]));
        var test = labels.Transform(ml.Data.LoadFromEnumerable(shuffled[cut..]));
        Console.WriteLine($"github-issues: {cut} training and {shuffled.Count - cut} test rows, seed {seed}; classifier {iterations} steps, pretraining {2 * iterations}.");
        Console.WriteLine($"{"model",-34} {"micro-acc",22} {"macro-acc",22} {"log-loss",22} {"train s",8}");

        Report("(a) FeaturizeText + SdcaMaxEnt", ml, test, () => ml.Transforms.Text.FeaturizeText("TitleFeaturized", "Title")
            .Append(ml.Transforms.Text.FeaturizeText("DescriptionFeaturized", "Description"))
            .Append(ml.Transforms.Concatenate("Features", "TitleFeaturized", "DescriptionFeaturized"))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy())
            .Fit(train));

        var tokenizer = ml.Transforms.Text.TrainTokenizer("Tokens", "Text", new TokenizerTrainerOptions { VocabularySize = 2000 }).Fit(train);
        var trainTokens = tokenizer.Transform(train);
        var testTokens = tokenizer.Transform(test);
        Report("(b) GptClassifier, from scratch", ml, testTokens, () => Classifier(ml, null, iterations, seed).Fit(trainTokens));
        Report("(c) GptClassifier, LM-pretrained", ml, testTokens, () =>
        {
            var lm = ml.LanguageModeling().Trainers.Gpt(new GptTrainer.Options
            {
                ContextLength = Context, LayerCount = 2, HeadCount = 4, EmbeddingSize = 128, BatchSize = 16, MaxIterations = 2 * iterations,
                LearningRate = 1e-3, WarmupIterations = 50, Seed = seed,
            }).Fit(trainTokens);
            return Classifier(ml, lm, iterations, seed).Fit(trainTokens);
        });
        return 0;
    }

    private static GptClassifierTrainer Classifier(MLContext ml, LanguageModelTransformer? initial, int iterations, int seed) =>
        ml.MulticlassClassification.Trainers.GptClassifier(new GptClassifierOptions
        {
            InitialModel = initial, ContextLength = Context, LayerCount = 2, HeadCount = 4, EmbeddingSize = 128, BatchSize = 16,
            MaxIterations = iterations, LearningRate = initial is null ? 1e-3 : 3e-4, WarmupIterations = 50, Seed = seed,
        });

    private static void Report(string name, MLContext ml, IDataView test, Func<ITransformer> fit)
    {
        var clock = Stopwatch.StartNew();
        var model = fit();
        double seconds = clock.Elapsed.TotalSeconds;
        var (truth, probabilities) = Predictions(model.Transform(test));
        double Micro(int[] rows) => rows.Average(r => Argmax(probabilities[r]) == truth[r] ? 1.0 : 0.0);
        // Macro: the mean over the classes present among the drawn rows of each class's accuracy (ML.NET's definition).
        double Macro(int[] rows) => rows.GroupBy(r => truth[r]).Average(g => g.Average(r => Argmax(probabilities[r]) == truth[r] ? 1.0 : 0.0));
        // Log-loss as ML.NET computes it: −ln p(true class), p clipped at 1e-15.
        double LogLoss(int[] rows) => rows.Average(r => -Math.Log(Math.Max(1e-15, probabilities[r][truth[r]])));
        var every = Enumerable.Range(0, truth.Length).ToArray();
        string Cell(Func<int[], double> statistic)
        {
            var interval = RowBootstrap.Interval(truth.Length, statistic, resamples: 1000, level: 0.95, seed: 1);
            return $"{statistic(every):F3} [{interval.Lower:F3},{interval.Upper:F3}]";
        }
        Console.WriteLine($"{name,-34} {Cell(Micro),22} {Cell(Macro),22} {Cell(LogLoss),22} {seconds,8:F0}");
        var check = ml.MulticlassClassification.Evaluate(model.Transform(test));
        if (Math.Abs(check.MicroAccuracy - Micro(every)) > 1e-9 || Math.Abs(check.MacroAccuracy - Macro(every)) > 1e-9)
            Console.WriteLine($"    (ML.NET's evaluator says micro {check.MicroAccuracy:F4}, macro {check.MacroAccuracy:F4}, log-loss {check.LogLoss:F4})");
        (model as IDisposable)?.Dispose();
    }

    private static (int[] Truth, float[][] Probabilities) Predictions(IDataView scored)
    {
        var truth = new List<int>();
        var probabilities = new List<float[]>();
        using var cursor = scored.GetRowCursor([scored.Schema["Label"], scored.Schema["Score"]]);
        var label = cursor.GetGetter<uint>(scored.Schema["Label"]);
        var score = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
        uint key = 0;
        VBuffer<float> values = default;
        while (cursor.MoveNext())
        {
            label(ref key);
            score(ref values);
            truth.Add((int)key - 1);
            probabilities.Add(values.DenseValues().ToArray());
        }
        return (truth.ToArray(), probabilities.ToArray());
    }

    private static int Argmax(float[] values) => Array.IndexOf(values, values.Max());

    private static int Option(string[] args, string name, int fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }

    private static string FindIssues()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data", "github-issues", "corefx-issues.tsv");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("The GitHub-issues data (shared/data/github-issues/corefx-issues.tsv) was not found above the program's folder.");
    }
}
