using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using ArML.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Trainers;

public class GptTrainingTests
{
    internal static readonly string[] Corpus = ArML.Synthetic.MarkovTextSource.CreateDefault(1).Sample(150, seed: 8).ToArray();

    internal static IDataView Tokens(MLContext ml, string[] texts)
    {
        var rows = ml.Data.LoadFromEnumerable(texts.Select(t => new TextRow { Text = t }));
        return ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(ml.Data.LoadFromEnumerable(Corpus.Select(t => new TextRow { Text = t }))).Transform(rows);
    }

    internal static List<double> PerIterationLosses(GptTrainer.Options options, IDataView data, MLContext ml, Func<TrainingProgress, bool>? stop = null)
    {
        var losses = new List<double>();
        var cancel = new CancellationTokenSource();
        options.EvaluationInterval = 1;
        options.CancellationToken = cancel.Token;
        options.Progress = new Recorder(p =>
        {
            losses.Add(p.Loss);
            if (stop?.Invoke(p) == true) cancel.Cancel();
        });
        try { ml.LanguageModeling().Trainers.Gpt(options).Fit(data).Dispose(); }
        catch (OperationCanceledException) { }
        return losses;
    }

    [Fact]
    public void AnInterruptedRunResumesAsIfNeverInterrupted()
    {
        var ml = new MLContext(seed: 1);
        var data = Tokens(ml, Corpus);
        string dir = Path.Combine(Path.GetTempPath(), "arml-resume-" + Guid.NewGuid().ToString("N"));
        try
        {
            GptTrainer.Options Options(string? checkpoints) { var o = TinyGpt.Options(iterations: 24); o.Seed = 5; o.CheckpointDirectory = checkpoints; o.CheckpointInterval = 5; return o; }
            var uninterrupted = PerIterationLosses(Options(null), data, ml);
            // Simulate a kill at iteration 12: keep the checkpoint the run wrote at iteration 10 (the one a killed
            // process leaves behind), stop the run, put that checkpoint back, and resume from it.
            string checkpoint = Path.Combine(dir, "checkpoint.safetensors");
            string atTen = Path.Combine(Path.GetTempPath(), "arml-ckpt10-" + Guid.NewGuid().ToString("N"));
            var first = PerIterationLosses(Options(dir), data, ml, stop: p =>
            {
                if (p.Iteration == 11) File.Copy(checkpoint, atTen, overwrite: true);
                return p.Iteration == 12;
            });
            File.Move(atTen, checkpoint, overwrite: true);
            var resumed = PerIterationLosses(Options(dir), data, ml);
            Assert.Equal(uninterrupted.Take(12), first);
            Assert.Equal(uninterrupted.Skip(10), resumed);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ADivergingRunKeepsTheLastGoodCheckpoint()
    {
        var ml = new MLContext(seed: 1);
        var data = Tokens(ml, Corpus);
        string dir = Path.Combine(Path.GetTempPath(), "arml-diverge-" + Guid.NewGuid().ToString("N"));
        try
        {
            var good = TinyGpt.Options(iterations: 10);
            good.CheckpointDirectory = dir;
            good.CheckpointInterval = 10;
            ml.LanguageModeling().Trainers.Gpt(good).Fit(data).Dispose();
            byte[] before = File.ReadAllBytes(Path.Combine(dir, "checkpoint.safetensors"));

            var bad = TinyGpt.Options(iterations: 20);
            bad.CheckpointDirectory = dir;
            bad.CheckpointInterval = 10;
            bad.LearningRate = 1e30;
            bad.WarmupIterations = 0;
            bad.GradientClipNorm = 0;
            var error = Assert.Throws<InvalidOperationException>(() => ml.LanguageModeling().Trainers.Gpt(bad).Fit(data));
            Assert.Matches(@"iteration (1[1-9]|20)\b", error.Message);   // after resuming at 10
            Assert.Contains("checkpoint", error.Message);
            Assert.Equal(before, File.ReadAllBytes(Path.Combine(dir, "checkpoint.safetensors")));
            Assert.Single(Directory.GetFiles(dir));   // no temporary or half-written files
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void EarlyStoppingKeepsTheBestWeights()
    {
        var ml = new MLContext(seed: 1);
        // Train on one repeated line and validate on other text: validation loss soon rises as the model memorizes.
        var train = Tokens(ml, Enumerable.Repeat("the fox sees a dog", 20).ToArray());
        var valid = Tokens(ml, Corpus[..30]);
        var reports = new List<TrainingProgress>();
        var options = TinyGpt.Options(iterations: 400);
        options.Seed = 2;
        options.ValidationSet = valid;
        options.EvaluationInterval = 10;
        options.EvaluationBatches = 4;
        options.EarlyStoppingPatience = 2;
        options.Progress = new Recorder(reports.Add);
        using var stopped = ml.LanguageModeling().Trainers.Gpt(options).Fit(train);
        Assert.True(reports[^1].Iteration < 400, "validation loss should have stopped improving");
        int bestIteration = reports.MinBy(r => r.ValidationLoss!.Value)!.Iteration;
        Assert.Equal(reports[^1].Iteration - 20, bestIteration);

        // Replay the run without early stopping, interrupted at the best iteration (a checkpoint is written then);
        // resuming it with MaxIterations = that iteration trains no further and returns exactly those weights.
        string dir = Path.Combine(Path.GetTempPath(), "arml-best-" + Guid.NewGuid().ToString("N"));
        try
        {
            var cancel = new CancellationTokenSource();
            var replay = TinyGpt.Options(iterations: 400);
            replay.Seed = 2;
            replay.EvaluationInterval = 10;
            replay.CheckpointDirectory = dir;
            replay.CancellationToken = cancel.Token;
            replay.Progress = new Recorder(p => { if (p.Iteration == bestIteration) cancel.Cancel(); });
            Assert.Throws<OperationCanceledException>(() => ml.LanguageModeling().Trainers.Gpt(replay).Fit(train));
            var atBest = TinyGpt.Options(iterations: bestIteration);
            atBest.Seed = 2;
            atBest.CheckpointDirectory = dir;
            using var best = ml.LanguageModeling().Trainers.Gpt(atBest).Fit(train);
            Assert.Equal(TinyGpt.Scores(best.Transform(valid)), TinyGpt.Scores(stopped.Transform(valid)));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ATinyCorpusIsMemorised()
    {
        var ml = new MLContext(seed: 1);
        var options = TinyGpt.Options(iterations: 300);
        options.LearningRate = 1e-2;
        options.ContextLength = 32;   // the whole row fits: one window, nothing to guess
        var data = Tokens(ml, ["the fox sees a dog"]);
        using var model = ml.LanguageModeling().Trainers.Gpt(options).Fit(data);
        var metrics = ml.LanguageModeling().Evaluate(model.Transform(data));
        Assert.True(metrics.CrossEntropy < 0.05, $"cross-entropy {metrics.CrossEntropy} nats/token");
    }

    [Fact]
    public void LimitsOnTokensStopTraining()
    {
        var ml = new MLContext(seed: 1);
        var reports = new List<TrainingProgress>();
        var options = TinyGpt.Options(iterations: 1000);
        options.MaxTokens = 10 * 8 * 16 + 1;   // batch 8 × context 16 per step: the 11th step crosses it
        options.EvaluationInterval = 1;
        options.Progress = new Recorder(reports.Add);
        ml.LanguageModeling().Trainers.Gpt(options).Fit(Tokens(ml, Corpus)).Dispose();
        Assert.Equal(11, reports[^1].Iteration);
        Assert.Equal(11 * 8 * 16, reports[^1].TokensSeen);
    }

    [Fact]
    public void WarmStartContinuesFromTheGivenModel()
    {
        var ml = new MLContext(seed: 1);
        var data = Tokens(ml, Corpus);
        using var initial = ml.LanguageModeling().Trainers.Gpt(TinyGpt.Options(iterations: 150)).Fit(data);
        var fresh = PerIterationLosses(TinyGpt.Options(iterations: 3), data, ml);
        var warmOptions = TinyGpt.Options(iterations: 3);
        var warm = new List<double>();
        warmOptions.EvaluationInterval = 1;
        warmOptions.Progress = new Recorder(p => warm.Add(p.Loss));
        using var continued = ml.LanguageModeling().Trainers.Gpt(warmOptions).Fit(data, initial);
        Assert.True(warm[0] < fresh[0] - 1.0, $"warm start loss {warm[0]} vs fresh {fresh[0]}");

        var longer = TinyGpt.Options(iterations: 3);
        longer.ContextLength = 32;
        Assert.Throws<ArgumentException>(() => ml.LanguageModeling().Trainers.Gpt(longer).Fit(data, initial));
    }

    [Fact]
    public void MissingKeysInTheTokenColumnFailWithTheRowWhenUnseenKeysThrow()
    {
        var ml = new MLContext(seed: 1);
        var words = ml.Data.LoadFromEnumerable(new[] { new TextRow { Text = "a b" }, new TextRow { Text = "a c" } });
        var keys = ml.Transforms.Text.TokenizeIntoWords("Words", "Text").Append(ml.Transforms.Conversion.MapValueToKey("Tokens", "Words"));
        var fitted = keys.Fit(ml.Data.LoadFromEnumerable(new[] { new TextRow { Text = "a b" } }));   // "c" becomes key 0 (missing)
        var clean = ml.Data.LoadFromEnumerable(new[] { new TextRow { Text = "a b b a" } });
        var options = TinyGpt.Options(iterations: 2);
        options.UnseenKeys = ArML.Data.UnseenKeyPolicy.Throw;   // by default such keys score as the unknown token
        using var model = ml.LanguageModeling().Trainers.Gpt(options).Fit(fitted.Transform(clean));
        var error = Assert.Throws<InvalidDataException>(() => TinyGpt.Scores(model.Transform(fitted.Transform(words))));
        Assert.Contains("Row 1", error.Message);
        Assert.Contains("'Tokens'", error.Message);
    }

    private sealed class Recorder(Action<TrainingProgress> onReport) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => onReport(value);
    }
}
