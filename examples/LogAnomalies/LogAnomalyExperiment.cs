using System.Diagnostics;
using ArML.Text;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using ArML.Trainers.Lstm;
using ArML.Trainers.NGram;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Examples.LogAnomalies;

/// <summary>
/// Trains a character n-gram, an LSTM and a GPT on normal log lines, scores a held-out period with injected anomalies
/// by mean surprisal per character (timestamps aside: see <see cref="LogLine"/>), and reports AUC (ML.NET's anomaly-detection evaluator), precision at k, and the most surprising
/// lines with their surprising characters marked.
/// </summary>
public static class LogAnomalyExperiment
{
    // Tokens at least this surprising (nats) are marked: p below 1 in 150.
    private const double MarkedSurprisal = 5.0;

    public static IReadOnlyList<ModelReport> Run(LogAnomalySettings settings, TextWriter output)
    {
        var ml = new MLContext(seed: settings.Seed);
        var stream = new LogStream(settings.Seed, new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc));
        var train = ml.Data.LoadFromEnumerable(stream.Lines(settings.TrainLines).ToArray());
        var reference = ml.Data.LoadFromEnumerable(stream.Lines(settings.ReferenceLines).ToArray());
        var testLines = stream.Lines(settings.TestLines, settings.AnomalyRate).ToArray();
        var test = ml.Data.LoadFromEnumerable(testLines);
        int anomalies = testLines.Count(l => l.Label > 0);
        output.WriteLine($"Log stream: {settings.TrainLines} training lines, {settings.ReferenceLines} reference lines, then {settings.TestLines} held-out " +
                         $"lines with {anomalies} injected anomalies ({string.Join(", ", testLines.Where(l => l.Label > 0).GroupBy(l => l.Kind).Select(g => $"{g.Count()} {g.Key}"))}).");
        output.WriteLine("Example lines:");
        foreach (var line in testLines.Take(3)) output.WriteLine($"  {line.Time} {line.Text}");

        var tokenizer = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(train);
        var trainTokens = tokenizer.Transform(train);
        var referenceTokens = tokenizer.Transform(reference);
        var testTokens = tokenizer.Transform(test);
        var anomaly = new LanguageModelAnomalyOptions { ThresholdQuantile = 0.99, TokenDiagnostics = true, ReferenceSet = referenceTokens };

        var trainers = new (string Name, Func<ITransformer> Fit)[]
        {
            ("n-gram (order 7)", () => ml.LanguageModeling().Trainers.NGram(new NGramTrainer.Options { Order = 7, AnomalyScoring = anomaly }).Fit(trainTokens)),
            ("LSTM", () => ml.LanguageModeling().Trainers.Lstm(new LstmTrainer.Options
            {
                LayerCount = 1, HiddenSize = 192, BatchSize = 16, SequenceLength = 128, MaxIterations = settings.Iterations, LearningRate = 5e-3,
                WarmupIterations = Math.Min(50, settings.Iterations / 5), EvaluationInterval = settings.Iterations, EvaluationBatches = 4,
                ValidationSet = referenceTokens, AnomalyScoring = anomaly,
            }).Fit(trainTokens)),
            ("GPT", () => ml.LanguageModeling().Trainers.Gpt(new GptTrainer.Options
            {
                ContextLength = 128, LayerCount = 2, HeadCount = 4, EmbeddingSize = 96, BatchSize = 16, MaxIterations = settings.Iterations,
                LearningRate = 3e-3, WarmupIterations = Math.Min(50, settings.Iterations / 5), EvaluationInterval = settings.Iterations,
                EvaluationBatches = 4, ValidationSet = referenceTokens, AnomalyScoring = anomaly,
            }).Fit(trainTokens)),
        };

        var reports = new List<ModelReport>();
        var shown = new List<(string Name, ScoredLine[] Top)>();
        foreach (var (name, fit) in trainers)
        {
            output.WriteLine($"Training and scoring the {name}...");
            var clock = Stopwatch.StartNew();
            var model = fit();
            try
            {
                var scored = model.Transform(testTokens);
                var metrics = ml.AnomalyDetection.Evaluate(scored, falsePositiveCount: Math.Max(1, anomalies));
                var lines = ScoredLine.Read(scored, testLines);
                reports.Add(Report(name, metrics.AreaUnderRocCurve, lines, anomalies, clock.Elapsed.TotalSeconds));
                var codec = model is NGramTransformer ngram ? ngram.Codec! : ((LanguageModelTransformer)model).Codec!;
                shown.Add((name, lines.OrderByDescending(l => l.Score).Take(settings.Shown).Select(l => l with { Marked = Mark(l, codec) }).ToArray()));
            }
            finally
            {
                (model as IDisposable)?.Dispose();
            }
        }

        Print(reports, anomalies, output);
        foreach (var (name, top) in shown)
        {
            output.WriteLine();
            output.WriteLine($"Most surprising held-out lines under the {name} (score = nats per character; «» marks characters above {MarkedSurprisal} nats):");
            foreach (var line in top) output.WriteLine($"  {line.Score,5:F2} {(line.Label ? "anomaly" : "normal "),-7} {line.Time} {line.Marked}");
        }
        return reports;
    }

    private static ModelReport Report(string name, double auc, ScoredLine[] lines, int anomalies, double seconds)
    {
        var ranked = lines.OrderByDescending(l => l.Score).ToArray();
        int k = Math.Max(1, anomalies);
        var caught = ranked.Take(k).Where(l => l.Label).ToArray();
        var byKind = lines.Where(l => l.Label).GroupBy(l => l.Kind)
            .ToDictionary(g => g.Key, g => (caught.Count(c => c.Kind == g.Key), g.Count()));
        return new ModelReport(name, auc, ranked.Take(10).Count(l => l.Label) / (double)Math.Min(10, ranked.Length), caught.Length / (double)k,
            lines.Count(l => l.Predicted), lines.Count(l => l.Predicted && l.Label), byKind, seconds);
    }

    private static void Print(List<ModelReport> reports, int anomalies, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"{"model",-18} {"AUC",6} {"P@10",6} {$"P@{anomalies}",6} {"flagged",8} {"of which anomalies",19} {"seconds",8}");
        foreach (var r in reports)
            output.WriteLine($"{r.Name,-18} {r.Auc,6:F3} {r.PrecisionAt10,6:F2} {r.PrecisionAtK,6:F2} {r.Flagged,8} {r.FlaggedAnomalies,19} {r.Seconds,8:F0}");
        output.WriteLine($"Anomalies among the {anomalies} highest scores, by kind:");
        foreach (var r in reports)
            output.WriteLine($"  {r.Name,-18} " + string.Join(", ", r.CaughtByKind.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value.Caught}/{p.Value.Total}")));
    }

    // The line with every run of characters whose token is very surprising put between « and ».
    private static string Mark(ScoredLine line, ITokenCodec codec)
    {
        var spans = SurprisalSpans.Map(line.Text, codec, line.Surprisals);
        var marked = new System.Text.StringBuilder();
        bool open = false;
        foreach (var span in spans.Take(spans.Count - 1))
        {
            bool hot = span.Surprisal >= MarkedSurprisal;
            if (hot != open) marked.Append(hot ? '«' : '»');
            open = hot;
            marked.Append(line.Text, span.Start, span.Length);
        }
        if (open) marked.Append('»');
        if (spans[^1].Surprisal >= MarkedSurprisal) marked.Append("«⏎»");   // the line ending here was surprising
        return marked.ToString();
    }
}

/// <summary>One held-out line with its model outputs.</summary>
internal sealed record ScoredLine(string Time, string Text, bool Label, string Kind, float Score, bool Predicted, double[] Surprisals, string Marked = "")
{
    public static ScoredLine[] Read(IDataView scored, LogLine[] lines)
    {
        var score = scored.GetColumn<float>("Score").ToArray();
        var predicted = scored.GetColumn<bool>("PredictedLabel").ToArray();
        var surprisals = scored.GetColumn<VBuffer<double>>("TokenSurprisals").Select(v => v.DenseValues().ToArray()).ToArray();
        return lines.Select((l, i) => new ScoredLine(l.Time, l.Text, l.Label > 0, l.Kind, score[i], predicted[i], surprisals[i])).ToArray();
    }
}
