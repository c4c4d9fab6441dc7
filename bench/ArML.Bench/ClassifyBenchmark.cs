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
/// macro-accuracy and log-loss on the test rows, with 95% row-bootstrap intervals. Every choice is made on a validation
/// part carved from the training rows (15%): the GPTs stop early on it, and --tune scores all three on it instead of the
/// test rows (for choosing settings without looking at the test split).
/// Options: --quick (a fifth of the steps), --iterations N (classifier steps at most), --pretrain N (LM steps at most),
/// --seed S (split and training), --tune, --models abc (which to run), --lambda X, --no-balance, --width C, --layers L,
/// --context T, --vocab V, --lr X, --gpt2 DIR (adds (d): a GptClassifier from a Hugging Face GPT-2 checkpoint, read at
/// --context tokens with its own tokenizer, fine-tuned at --gpt2-lr, default 6.25e-5 as GPT-1's fine-tuning).
/// </summary>
internal static class ClassifyBenchmark
{
    public sealed class Issue
    {
        public string Area { get; set; } = "";
        public string Title { get; set; } = "";
        public string Description { get; set; } = "";
        public string Text { get; set; } = "";
    }

    private sealed record Settings(int Iterations, int Pretrain, int Seed, double Lambda, bool Balance, int Width, int Layers, int Context,
        int Vocabulary, double LearningRate);

    public static int Run(string[] args)
    {
        string path = FindIssues();
        bool quick = args.Contains("--quick");
        var settings = new Settings(Option(args, "--iterations", quick ? 300 : 1500), Option(args, "--pretrain", quick ? 600 : 3000),
            Option(args, "--seed", 1), Real(args, "--lambda", 0.5), !args.Contains("--no-balance"), Option(args, "--width", 128),
            Option(args, "--layers", 2), Option(args, "--context", 128), Option(args, "--vocab", 2000), Real(args, "--lr", 3e-4));
        bool tune = args.Contains("--tune");
        string models = Text(args, "--models", "abc");
        var issues = File.ReadLines(path).Skip(1).Select(line => line.Split('\t')).Where(f => f.Length >= 4)
            .Select(f => new Issue { Area = f[1], Title = f[2], Description = f[3], Text = f[2] + "\n" + f[3] }).ToList();
        var random = new Random(settings.Seed);
        var shuffled = issues.OrderBy(_ => random.Next()).ToList();
        int cut = shuffled.Count * 4 / 5;
        var training = shuffled[..cut];
        // The validation part: the last 15% of the (already shuffled) training rows; the GPTs fit on the rest.
        int held = training.Count * 85 / 100;
        var ml = new MLContext(settings.Seed);
        // One label mapping over every row's area (labels only, no text): both splits and all models share the keys.
        var labels = ml.Transforms.Conversion.MapValueToKey("Label", "Area").Fit(ml.Data.LoadFromEnumerable(shuffled));
        IDataView View(List<Issue> rows) => labels.Transform(ml.Data.LoadFromEnumerable(rows));
        var train = View(training);
        var fit = View(training[..held]);
        var validation = View(training[held..]);
        var test = tune ? validation : View(shuffled[cut..]);
        Console.WriteLine($"github-issues: {cut} training rows ({held} fit, {cut - held} validation) and {shuffled.Count - cut} test rows, seed {settings.Seed}; " +
            $"scored on the {(tune ? "VALIDATION part of the training rows (--tune)" : "test rows")}.");
        Console.WriteLine($"GPTs: {settings}; bfloat16 where the CPU multiplies it natively; early stopping on the validation part.");
        Console.WriteLine($"{"model",-34} {"micro-acc",22} {"macro-acc",22} {"log-loss",22} {"train s",8}");

        if (models.Contains('a'))
            Report("(a) FeaturizeText + SdcaMaxEnt", ml, test, () => ml.Transforms.Text.FeaturizeText("TitleFeaturized", "Title")
                .Append(ml.Transforms.Text.FeaturizeText("DescriptionFeaturized", "Description"))
                .Append(ml.Transforms.Concatenate("Features", "TitleFeaturized", "DescriptionFeaturized"))
                .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy())
                .Fit(tune ? fit : train));

        // Byte-pair encoding learned from the training rows' text (title, newline, description).
        var tokenizer = ml.Transforms.Text.TrainTokenizer("Tokens", "Text", new TokenizerTrainerOptions { VocabularySize = settings.Vocabulary })
            .Fit(tune ? fit : train);
        var fitTokens = tokenizer.Transform(fit);
        var validationTokens = tokenizer.Transform(validation);
        var testTokens = tokenizer.Transform(test);
        if (models.Contains('b'))
            Report("(b) GptClassifier, from scratch", ml, testTokens, () => Classifier(ml, null, settings, validationTokens).Fit(fitTokens));
        if (models.Contains('c'))
            Report("(c) GptClassifier, LM-pretrained", ml, testTokens, () =>
            {
                var clock = Stopwatch.StartNew();
                using var lm = ml.LanguageModeling().Trainers.Gpt(new GptTrainer.Options
                {
                    ContextLength = settings.Context, LayerCount = settings.Layers, HeadCount = 4, EmbeddingSize = settings.Width, BatchSize = 16,
                    MaxIterations = settings.Pretrain, LearningRate = 1e-3, WarmupIterations = 100, Seed = settings.Seed,
                    ValidationSet = validationTokens, EvaluationInterval = 100, EarlyStoppingPatience = 3,
                }).Fit(fitTokens);
                Console.WriteLine($"    pretraining: {clock.Elapsed.TotalSeconds:F0} s");
                return Classifier(ml, lm, settings, validationTokens).Fit(fitTokens);
            });
        if (Text(args, "--gpt2", "") is { Length: > 0 } gpt2)
            Report("(d) GptClassifier from GPT-2", ml, test, () =>
            {
                // The checkpoint's own tokenizer (its ids are the model's), rows cut to --context tokens.
                var chain = ml.LanguageModeling().LoadHuggingFace(gpt2, new HuggingFaceOptions { MaximumContextLength = settings.Context });
                var tokens = chain.First();
                var classifier = Classifier(ml, (LanguageModelTransformer)chain.LastTransformer,
                    settings with { LearningRate = Real(args, "--gpt2-lr", 6.25e-5) }, tokens.Transform(validation)).Fit(tokens.Transform(fit));
                return new TransformerChain<ITransformer>(tokens, classifier);
            });
        return 0;
    }

    private static GptClassifierTrainer Classifier(MLContext ml, LanguageModelTransformer? initial, Settings settings, IDataView validation) =>
        ml.MulticlassClassification.Trainers.GptClassifier(new GptClassifierOptions
        {
            InitialModel = initial, ContextLength = settings.Context, LayerCount = settings.Layers, HeadCount = 4, EmbeddingSize = settings.Width,
            BatchSize = 16, MaxIterations = settings.Iterations, LearningRate = initial is null ? 1e-3 : settings.LearningRate, WarmupIterations = 50,
            Seed = settings.Seed, AuxiliaryLanguageModelWeight = settings.Lambda, BalanceClasses = settings.Balance,
            ValidationSet = validation, EvaluationInterval = 50, EvaluationBatches = 20, EarlyStoppingPatience = 4,
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

    private static double Real(string[] args, string name, double fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? double.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }

    private static string Text(string[] args, string name, string fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
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
