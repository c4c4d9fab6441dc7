using ArML.Tests.Support;
using ArML.Trainers.Gpt;
using ArML.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Trainers;

public class GptTrainerTests
{
    private static IDataView Rows(MLContext ml, params string[] texts) => ml.Data.LoadFromEnumerable(texts.Select(t => new TextRow { Text = t }));

    private static readonly string[] Corpus = ArML.Synthetic.MarkovTextSource.CreateDefault(1).Sample(120, seed: 4).ToArray();

    private static List<double> TrainAndScore(int contextSeed, int? optionSeed = null)
    {
        var ml = new MLContext(seed: contextSeed);
        var options = TinyGpt.Options(iterations: 15);
        options.Seed = optionSeed;
        var model = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Append(ml.LanguageModeling().Trainers.Gpt(options)).Fit(Rows(ml, Corpus));
        try { return TinyGpt.Scores(model.Transform(Rows(ml, Corpus[..10]))).Select(s => s.LogLikelihood).ToList(); }
        finally { model.LastTransformer.Dispose(); }
    }

    [Fact]
    public void TheSameContextSeedGivesTheSameModel()
    {
        var a = TrainAndScore(contextSeed: 5);
        var b = TrainAndScore(contextSeed: 5);
        var c = TrainAndScore(contextSeed: 6);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void AcceptsMlNetCharacterKeys()
    {
        var ml = new MLContext(seed: 1);
        var options = TinyGpt.Options(iterations: 5);
        var pipeline = ml.Transforms.Text.TokenizeIntoCharactersAsKeys("Tokens", "Text")
            .Append(ml.LanguageModeling().Trainers.Gpt(options));
        var model = pipeline.Fit(Rows(ml, "ab ba", "abba"));
        var scores = TinyGpt.Scores(model.Transform(Rows(ml, "ab", "")));
        // ML.NET's character tokenizer adds start and end marker characters to each row.
        Assert.Equal(2 + 2 + 1, scores[0].TokenCount);
        Assert.True(scores[0].LogLikelihood < 0 && double.IsFinite(scores[0].LogLikelihood));
        model.LastTransformer.Dispose();
    }

    [Fact]
    public void ReportsProgressAndLogs()
    {
        var ml = new MLContext(seed: 1);
        var messages = new List<string>();
        var trainerLines = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        // The README's recipe for seeing training progress on MLContext.Log.
        ml.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Info && e.Source.StartsWith("GptTrainer")) lock (trainerLines) trainerLines.Add(e.RawMessage); };
        var reports = new SynchronousProgress();
        var options = TinyGpt.Options(iterations: 20);
        options.EvaluationInterval = 5;
        options.Progress = reports;
        options.ValidationSet = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(Rows(ml, Corpus)).Transform(Rows(ml, Corpus[..5]));
        var tokens = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(Rows(ml, Corpus)).Transform(Rows(ml, Corpus));
        ml.LanguageModeling().Trainers.Gpt(options).Fit(tokens).Dispose();

        Assert.Equal([5, 10, 15, 20], reports.Items.Select(p => p.Iteration));
        Assert.All(reports.Items, p =>
        {
            Assert.True(p.Loss > 0 && double.IsFinite(p.Loss));
            Assert.True(p.ValidationLoss > 0);
            Assert.True(p.TokensPerSecond > 0);
        });
        Assert.Equal(TimeSpan.Zero, reports.Items[^1].EstimatedRemaining);
        Assert.Contains(messages, m => m.Contains("iter 20/20"));
        Assert.Contains(trainerLines, m => m.StartsWith("iter 20/20"));
    }

    [Fact]
    public void WrongColumnTypeFailsAtFitWithTheColumnName()
    {
        var ml = new MLContext(seed: 1);
        var options = TinyGpt.Options();
        options.TokenColumnName = "Text";
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.LanguageModeling().Trainers.Gpt(options).Fit(Rows(ml, "abc")));
        Assert.Contains("'Text'", error.Message);
        Assert.Contains("key", error.Message);
    }

    [Fact]
    public void EmptyTrainingDataFailsClearly()
    {
        var ml = new MLContext(seed: 1);
        var tokenizer = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text");
        var error = Assert.Throws<InvalidOperationException>(() =>
            tokenizer.Append(ml.LanguageModeling().Trainers.Gpt(TinyGpt.Options())).Fit(Rows(ml, "", "")));
        Assert.Contains("no tokens", error.Message);
    }

    [Fact]
    public void InvalidOptionsFailBeforeTraining()
    {
        var ml = new MLContext(seed: 1);
        var options = TinyGpt.Options();
        options.HeadCount = 3;
        Assert.Throws<ArgumentException>(() => ml.LanguageModeling().Trainers.Gpt(options));
        options = TinyGpt.Options();
        options.ScoringStride = 17;
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.LanguageModeling().Trainers.Gpt(options));
    }

    [Fact]
    public void ADivergingRunStopsWithTheIteration()
    {
        var ml = new MLContext(seed: 1);
        var options = TinyGpt.Options(iterations: 50);
        options.LearningRate = 1e30;
        options.WarmupIterations = 0;
        options.GradientClipNorm = 0;
        var error = Assert.Throws<InvalidOperationException>(() =>
            ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Append(ml.LanguageModeling().Trainers.Gpt(options)).Fit(Rows(ml, Corpus)));
        Assert.Contains("iteration", error.Message);
    }

    [Fact]
    public void OutputSchemaAddsTheScoreColumns()
    {
        var ml = new MLContext(seed: 1);
        var pipeline = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Append(ml.LanguageModeling().Trainers.Gpt(TinyGpt.Options()));
        var shape = pipeline.GetOutputSchema(ArML.Schema.SchemaShapeShim.Create(Rows(ml, "a").Schema));
        Assert.Equal(NumberDataViewType.Double, ArML.Schema.ColumnChecks.Find(shape, "LogLikelihood")!.Value.ItemType);
        Assert.Equal(NumberDataViewType.Int32, ArML.Schema.ColumnChecks.Find(shape, "TokenCount")!.Value.ItemType);
        Assert.Equal(NumberDataViewType.Double, ArML.Schema.ColumnChecks.Find(shape, "Perplexity")!.Value.ItemType);
    }

    private sealed class SynchronousProgress : IProgress<TrainingProgress>
    {
        public List<TrainingProgress> Items { get; } = [];
        public void Report(TrainingProgress value) => Items.Add(value);
    }
}
