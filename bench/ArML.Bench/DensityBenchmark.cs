using System.Diagnostics;
using System.Globalization;
using ArML.Trainers.Density;
using ArML.Training;
using Microsoft.ML;

namespace ArML.Bench;

/// <summary>
/// Test negative log-likelihood (nats per image) of FVSBN, NADE and MADE on binarized MNIST (train 50k, early
/// stopping on valid 10k, test 10k), next to the published figures of ../shared/reference/density.md and to a
/// baseline measured in the same run: independent Bernoulli pixels (closed form). Each model trains for a wall-clock
/// budget; the learning-rate schedule is fitted to it from the measured speed of the first steps.
/// </summary>
internal static class DensityBenchmark
{
    private sealed record Published(string Label, double Nll);

    public static int Run(string[] args)
    {
        string data = "../shared/data/binarized_mnist";
        var models = new List<string> { "fvsbn", "nade", "made" };
        double minutes = 9;
        int? trainRows = null;
        double? learningRate = null, minLearningRate = null, weightDecay = null;
        int? patience = null;
        bool direct = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--data": data = args[++i]; break;
                case "--models": models = args[++i].Split(',').ToList(); break;
                case "--minutes": minutes = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--train-rows": trainRows = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--lr": learningRate = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--min-lr": minLearningRate = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--weight-decay": weightDecay = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--patience": patience = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--direct": direct = true; break;
                default:
                    Console.Error.WriteLine($"Unknown option {args[i]}. Options: --data DIR --models fvsbn,nade,made --minutes M --train-rows N " +
                                            "--lr RATE --min-lr RATE --weight-decay W --patience EVALUATIONS --direct (MADE: direct input-output connections)");
                    return 2;
            }
        }
        data = Path.GetFullPath(data);
        if (!File.Exists(Path.Combine(data, "train.bin")))
        {
            Console.Error.WriteLine($"Binarized MNIST not found in {data} (expected train.bin, valid.bin, test.bin). Pass --data DIR.");
            return 2;
        }

        var train = BinarizedMnist.Read(Path.Combine(data, "train.bin"), trainRows);
        var valid = BinarizedMnist.Read(Path.Combine(data, "valid.bin"));
        var test = BinarizedMnist.Read(Path.Combine(data, "test.bin"));
        double baseline = BinarizedMnist.IndependentPixelsNll(train, test);
        Console.WriteLine($"Binarized MNIST from {data}: {train.Count} train, {valid.Count} valid, {test.Count} test images; budget {minutes:F1} min per model, " +
                          $"{Environment.ProcessorCount} cores (shared with other jobs: timings are noisy).");
        Console.WriteLine($"Baseline (independent Bernoulli pixels, same run): test NLL {baseline:F2} nats");

        var results = new List<(string Model, double Nll, Published Reference, TimeSpan Time, string Detail)>();
        foreach (string name in models)
        {
            var ml = new MLContext(seed: 1);
            var (options, reference) = Configure(name);
            if (learningRate is double lr) options.LearningRate = lr;
            if (minLearningRate is double minLr) options.MinLearningRate = minLr;
            if (weightDecay is double wd) options.WeightDecay = wd;
            if (patience is int p) options.EarlyStoppingPatience = p;
            if (options is MadeOptions made) made.DirectConnections = direct;
            Console.WriteLine($"{name}: batch {options.BatchSize}, AdamW lr {options.LearningRate:G3} (cosine to {options.MinLearningRate ?? options.LearningRate / 10:G3}), weight decay {options.WeightDecay:G3}, " +
                              $"early stopping after {options.EarlyStoppingPatience} evaluations without progress (every {options.EvaluationInterval} steps)");
            options.FeatureColumnName = "Pixels";
            options.ValidationSet = BinarizedMnist.Load(ml, valid);
            var trainView = BinarizedMnist.Load(ml, train);
            var stepSeconds = MeasureStep(ml, Configure(name).Options, trainView);
            options.MaxIterations = (int)(minutes * 60 * 0.9 / stepSeconds);
            options.MaxTime = TimeSpan.FromMinutes(minutes);
            var progress = new ConsoleProgress(name);
            options.Progress = progress;
            Console.WriteLine($"{name}: {stepSeconds * 1000:F0} ms/step measured, so {options.MaxIterations} steps " +
                              $"({options.MaxIterations * (double)options.BatchSize / train.Count:F1} epochs) in the budget");

            var clock = Stopwatch.StartNew();
            using var model = Train(ml, name, options, trainView);
            var trainTime = clock.Elapsed;
            var metrics = ml.LanguageModeling().Evaluate(model.Transform(BinarizedMnist.Load(ml, test)));
            double nll = metrics.NegativeLogLikelihoodPerRow;
            results.Add((name, nll, reference, trainTime,
                $"{progress.Last?.Iteration} steps, best valid NLL {progress.BestValidation * BinarizedMnist.Pixels:F2}"));
            Console.WriteLine($"{name}: test NLL {nll:F2} nats ({reference.Label}: {reference.Nll:F2}), trained {trainTime:mm\\:ss}");
        }

        Console.WriteLine();
        Console.WriteLine($"{"model",-8} {"test NLL",9} {"published",10} {"gap",7} {"vs baseline",12} {"train time",11}  detail");
        Console.WriteLine($"{"indep.",-8} {baseline,9:F2} {"",10} {"",7} {1.0,11:F3}x {"",11}  closed form");
        foreach (var r in results)
            Console.WriteLine($"{r.Model,-8} {r.Nll,9:F2} {r.Reference.Nll,10:F2} {r.Nll - r.Reference.Nll,7:+0.00;-0.00} {r.Nll / baseline,11:F3}x " +
                              $"{r.Time,11:mm\\:ss}  {r.Reference.Label}; {r.Detail}");
        return 0;
    }

    private static DensityTransformer Train(MLContext ml, string name, DensityTrainerOptions options, IDataView train) => options switch
    {
        FvsbnOptions o => ml.DensityEstimation().Trainers.Fvsbn(o).Fit(train),
        NadeOptions o => ml.DensityEstimation().Trainers.Nade(o).Fit(train),
        MadeOptions o => ml.DensityEstimation().Trainers.Made(o).Fit(train),
        _ => throw new ArgumentException(name),
    };

    private static (DensityTrainerOptions Options, Published Reference) Configure(string name) => name switch
    {
        "fvsbn" => (new FvsbnOptions { LearningRate = 3e-3, EvaluationInterval = 500, EarlyStoppingPatience = 4, Seed = 1 },
            new Published("FVSBN, Larochelle & Murray 2011", 97.45)),
        "nade" => (new NadeOptions { HiddenSize = 500, LearningRate = 2e-3, EvaluationInterval = 500, EarlyStoppingPatience = 4, Seed = 1 },
            new Published("NADE 500 hidden, fixed order, Larochelle & Murray 2011", 88.86)),
        "made" => (new MadeOptions { HiddenLayerSizes = [500], MaskCount = 1, LearningRate = 2e-3, EvaluationInterval = 500, EarlyStoppingPatience = 4, Seed = 1 },
            new Published("MADE 1 hidden layer of 500, 1 mask, Germain et al. 2015", 88.40)),
        _ => throw new ArgumentException($"Unknown model '{name}' (fvsbn, nade, made)."),
    };

    // Seconds per optimizer step: the mean over steps 21-40 of a short run (the first steps warm up).
    private static double MeasureStep(MLContext ml, DensityTrainerOptions options, IDataView train)
    {
        options.FeatureColumnName = "Pixels";
        options.MaxIterations = 40;
        options.EvaluationInterval = 20;
        options.EarlyStoppingPatience = null;
        var reports = new List<TrainingProgress>();
        options.Progress = new Recorder(reports);
        Train(ml, "calibration", options, train).Dispose();
        return (reports[1].Elapsed - reports[0].Elapsed).TotalSeconds / 20;
    }

    private sealed class Recorder(List<TrainingProgress> reports) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => reports.Add(value);
    }

    private sealed class ConsoleProgress(string name) : IProgress<TrainingProgress>
    {
        public TrainingProgress? Last { get; private set; }

        public double BestValidation { get; private set; } = double.PositiveInfinity;

        public void Report(TrainingProgress value)
        {
            Last = value;
            if (value.ValidationLoss is double v) BestValidation = Math.Min(BestValidation, v);
            Console.WriteLine($"  {name} {value.Iteration}: train {value.Loss * BinarizedMnist.Pixels:F2}" +
                              (value.ValidationLoss is double val ? $", valid {val * BinarizedMnist.Pixels:F2}" : "") +
                              $" nats/image, lr {value.LearningRate:G3}, {value.Elapsed:mm\\:ss}");
        }
    }
}
