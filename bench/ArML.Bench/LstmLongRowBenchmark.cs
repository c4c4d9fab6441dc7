using System.Diagnostics;
using System.Globalization;
using ArML.Bench.Tokenizers;
using ArML.Trainers;
using ArML.Trainers.Lstm;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace ArML.Bench;

/// <summary>
/// Scoring one long row with an LSTM, end to end: characters → TokenizeCharacters → the LSTM's transformer, read by a
/// batched Transform and by a PredictionEngine, with the evaluation recurrence ArML uses (LstmRecurrence) and with
/// the path scoring took before (libtorch's packed-sequence LSTM), alternated in this one process. Prints the median
/// time of each, their ratio, microseconds per character (checked at two lengths: the work is linear) and the
/// projected time of a 5,000,000-character row, the peak resident memory, and the time per row of short rows read
/// one at a time by the PredictionEngine (where per-call costs show).
/// </summary>
/// <remarks>
/// The model is the trainer's default shape (2 layers × 256, embedding tied to the output) unless --width/--layers
/// say otherwise, trained for a few steps on random text: scoring cost depends on the shape only.
/// </remarks>
internal static class LstmLongRowBenchmark
{
    private const int ProjectedCharacters = 5_000_000;

    public static int Run(string[] args)
    {
        int chars = Option(args, "--chars", 100_000), width = Option(args, "--width", 256), layers = Option(args, "--layers", 2);
        int repeats = Option(args, "--repeats", 3), shortRows = Option(args, "--short-rows", 200);
        const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?'-()\"";
        var random = new Random(1);
        string Text(int length) => new(Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());

        var ml = new MLContext(seed: 1);
        var training = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 64).Select(_ => new Line { Text = Text(80) }).ToArray());
        var options = new LstmTrainer.Options { HiddenSize = width, LayerCount = layers, MaxIterations = 2, Seed = 1 };
        var model = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Append(ml.LanguageModeling().Trainers.Lstm(options)).Fit(training);
        var network = ((LstmLanguageModel)model.LastTransformer.Model).Model;
        string row = Text(chars);
        Console.WriteLine($"LSTM {layers}x{width}, vocabulary {network.VocabularySize}; one row of {chars:N0} characters; {torch.get_num_threads()} threads; " +
                          $"{repeats} runs of each, alternated.");

        var engine = ml.Model.CreatePredictionEngine<Line, Score>(model);
        double ViaTransform(string text)
        {
            var scored = model.Transform(ml.Data.LoadFromEnumerable(new[] { new Line { Text = text } }));
            return scored.GetColumn<double>(LanguageModelScoreColumns.LogLikelihoodColumnName).Single();
        }
        double ViaEngine(string text) => engine.Predict(new Line { Text = text }).LogLikelihood;

        // Warm-up of both paths (JIT, libtorch's buffers) on a short row.
        foreach (bool libtorch in new[] { true, false })
        {
            network.LibtorchRecurrence = libtorch;
            ViaTransform(row[..2000]);
            ViaEngine(row[..2000]);
        }
        double rssBefore = BpeTrainingRun.PeakRssMegabytes();

        var seconds = new Dictionary<(string How, bool Libtorch), List<double>>();
        var scores = new Dictionary<(string How, bool Libtorch), double>();
        for (int run = 0; run < repeats; run++)
        {
            foreach (var (how, score) in new (string, Func<string, double>)[] { ("Transform", ViaTransform), ("PredictionEngine", ViaEngine) })
            {
                foreach (bool libtorch in new[] { true, false })
                {
                    network.LibtorchRecurrence = libtorch;
                    var clock = Stopwatch.StartNew();
                    scores[(how, libtorch)] = score(row);
                    double elapsed = clock.Elapsed.TotalSeconds;
                    (seconds.TryGetValue((how, libtorch), out var list) ? list : seconds[(how, libtorch)] = []).Add(elapsed);
                    Console.WriteLine($"  run {run + 1} {how,-16} {Name(libtorch),-28} {elapsed,8:F2} s   log-likelihood {scores[(how, libtorch)]:F4}");
                }
            }
        }

        // Linearity: the new path on a quarter of the row, per character, next to the whole row's.
        network.LibtorchRecurrence = false;
        var quarter = Enumerable.Range(0, repeats).Select(_ =>
        {
            var clock = Stopwatch.StartNew();
            ViaTransform(row[..(chars / 4)]);
            return clock.Elapsed.TotalSeconds;
        }).ToList();
        double rssAfter = BpeTrainingRun.PeakRssMegabytes();

        // Short rows one at a time (a PredictionEngine over lines): the recurrence lays its weights out for every call.
        var lines = Enumerable.Range(0, shortRows).Select(_ => Text(60)).ToArray();
        var perRow = new Dictionary<bool, List<double>> { [true] = [], [false] = [] };
        for (int run = 0; run < repeats; run++)
        {
            foreach (bool libtorch in new[] { true, false })
            {
                network.LibtorchRecurrence = libtorch;
                var clock = Stopwatch.StartNew();
                foreach (string line in lines) ViaEngine(line);
                perRow[libtorch].Add(clock.Elapsed.TotalMilliseconds / lines.Length);
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{"entry point",-16} {"path",-28} {"median s",9} {"us/char",8} {"5M chars",10}");
        foreach (var ((how, libtorch), list) in seconds)
        {
            double median = Measurements.Median(list);
            Console.WriteLine($"{how,-16} {Name(libtorch),-28} {median,9:F2} {median / chars * 1e6,8:F1} {Minutes(median / chars * ProjectedCharacters),10}");
        }
        foreach (string how in new[] { "Transform", "PredictionEngine" })
        {
            double ratio = Measurements.Median(seconds[(how, true)]) / Measurements.Median(seconds[(how, false)]);
            Console.WriteLine($"{how}: LstmRecurrence is {ratio:F1}x faster; log-likelihoods {scores[(how, false)]:F4} vs {scores[(how, true)]:F4} " +
                              $"(difference {Math.Abs(scores[(how, false)] - scores[(how, true)]):E1})");
        }
        double perCharQuarter = Measurements.Median(quarter) / (chars / 4) * 1e6, perCharWhole = Measurements.Median(seconds[("Transform", false)]) / chars * 1e6;
        Console.WriteLine($"linearity (Transform, LstmRecurrence): {perCharQuarter:F1} us/char at {chars / 4:N0} characters, {perCharWhole:F1} at {chars:N0}");
        Console.WriteLine($"short rows (PredictionEngine, {shortRows} rows of 60 characters): {Measurements.Median(perRow[true]):F2} ms per row before, " +
                          $"{Measurements.Median(perRow[false]):F2} ms now");
        Console.WriteLine($"peak resident memory: {rssBefore:F0} MB after warm-up, {rssAfter:F0} MB after all runs");
        return 0;
    }

    private static string Name(bool libtorch) => libtorch ? "libtorch packed (before)" : "LstmRecurrence (now)";

    private static string Minutes(double seconds) => $"{seconds / 60:F1} min";

    private static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private sealed class Line
    {
        public string Text { get; set; } = "";
    }

    private sealed class Score
    {
        public double LogLikelihood { get; set; }
    }
}
