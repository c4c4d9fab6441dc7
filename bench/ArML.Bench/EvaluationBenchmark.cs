using System.Diagnostics;
using ArML.Evaluators;
using ArML.Evaluators.ScalingLaws;
using Microsoft.ML;

namespace ArML.Bench;

/// <summary>
/// Evaluation throughput on an in-memory table of scored rows. Baseline, measured in the same run: one cursor pass
/// that only sums the log-likelihood and token-count columns (what any evaluator must at least do). Every other
/// figure is printed as a multiple of it.
/// </summary>
internal static class EvaluationBenchmark
{
    private sealed class ScoredRow
    {
        public double LogLikelihood { get; set; }
        public int TokenCount { get; set; }
        public string Text { get; set; } = "";
    }

    public static int Run(string[] args)
    {
        int rows = 200_000, resamples = 1000;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rows" when i + 1 < args.Length: rows = int.Parse(args[++i]); break;
                case "--resamples" when i + 1 < args.Length: resamples = int.Parse(args[++i]); break;
                default: Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: eval [--rows N] [--resamples R]"); return 2;
            }
        }
        var ml = new MLContext(seed: 1);
        var random = new Random(1);
        var table = Enumerable.Range(0, rows).Select(_ =>
        {
            int tokens = 1 + random.Next(80);
            return new ScoredRow { LogLikelihood = -1.3 * tokens * (0.5 + random.NextDouble()), TokenCount = tokens, Text = new string('x', tokens - 1) + "é " };
        }).ToList();
        var data = ml.Data.Cache(ml.Data.LoadFromEnumerable(table));
        var other = ml.Data.Cache(ml.Data.LoadFromEnumerable(table.Select(r => new ScoredRow
        {
            LogLikelihood = r.LogLikelihood - 0.01 * r.TokenCount, TokenCount = r.TokenCount, Text = r.Text,
        }).ToList()));
        SumColumns(data);
        SumColumns(other);   // fills both caches before anything is timed

        Console.WriteLine($"Evaluation of {rows:N0} scored rows ({Environment.ProcessorCount} cores); median of 5 runs each.");
        double baseline = Median(() => SumColumns(data));
        Report("baseline: one cursor pass summing two columns", baseline, baseline, rows);
        Report("Evaluate, no bootstrap", Median(() => Evaluate(ml, data, null, 0)), baseline, rows);
        Report("Evaluate, text column (bytes, words), no bootstrap", Median(() => Evaluate(ml, data, "Text", 0)), baseline, rows);
        double bootstrap = Median(() => Evaluate(ml, data, null, resamples));
        Report($"Evaluate, {resamples} bootstrap resamples", bootstrap, baseline, rows);
        Console.WriteLine($"  bootstrap: {(double)rows * resamples / bootstrap / 1e6:F1} M row draws/s");
        Report($"Compare (paired), {resamples} resamples", Median(() => ml.LanguageModeling().Compare(data, other,
            new LanguageModelEvaluator.Options { BootstrapResamples = resamples, Seed = 1 })), baseline, rows);

        var points = Enumerable.Range(0, 7).Select(i => new ScalingPoint(1e9 * Math.Pow(3, i), 40 * Math.Pow(1e9 * Math.Pow(3, i), -0.12) + 1.3 + 0.01 * Math.Sin(i))).ToList();
        double fit = Median(() => ScalingLaw.Fit(points), repeats: 200);
        Console.WriteLine($"ScalingLaw.Fit, 7 points: {fit * 1000:F2} ms per fit");
        return 0;
    }

    private static void Evaluate(MLContext ml, IDataView data, string? text, int resamples) =>
        ml.LanguageModeling().Evaluate(data, new LanguageModelEvaluator.Options { TextColumnName = text, BootstrapResamples = resamples, Seed = 1 });

    private static double SumColumns(IDataView data)
    {
        var ll = data.Schema["LogLikelihood"];
        var tc = data.Schema["TokenCount"];
        using var cursor = data.GetRowCursor([ll, tc]);
        var llGetter = cursor.GetGetter<double>(ll);
        var tcGetter = cursor.GetGetter<int>(tc);
        double sum = 0, value = 0;
        int count = 0;
        long tokens = 0;
        while (cursor.MoveNext())
        {
            llGetter(ref value);
            tcGetter(ref count);
            sum += value;
            tokens += count;
        }
        return sum / tokens;
    }

    /// <summary>Median wall time in seconds of <paramref name="repeats"/> runs of <paramref name="action"/>.</summary>
    private static double Median(Action action, int repeats = 5)
    {
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times[i] = clock.Elapsed.TotalSeconds;
        }
        return Measurements.Median(times);
    }

    private static double Median<T>(Func<T> function, int repeats = 5) => Median(() => { function(); }, repeats);

    private static void Report(string what, double seconds, double baseline, int rows) =>
        Console.WriteLine($"{what,-52} {seconds * 1000,9:F1} ms  {rows / seconds / 1e6,7:F2} M rows/s  {seconds / baseline,7:F2}x baseline");
}
