using ArML.Persistence;
using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Baseline;
using ArML.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Trainers;

public class LinearBaselineTests
{
    private static readonly ArML.Synthetic.MarkovTextSource Source = ArML.Synthetic.MarkovTextSource.CreateDefault(1);
    private static readonly string[] Corpus = Source.Sample(300, seed: 3).ToArray();
    private static readonly string[] Held = Source.Sample(40, seed: 4).ToArray();

    private static IDataView Rows(MLContext ml, IEnumerable<string> texts) => ml.Data.LoadFromEnumerable(texts.Select(t => new TextRow { Text = t }));

    private static LinearBaselineTrainer.Options Options(int iterations) => new()
    {
        WindowSize = 6,
        EmbeddingSize = 32,
        BatchSize = 16,
        SequenceLength = 32,
        MaxIterations = iterations,
        LearningRate = 2e-2,
        WarmupIterations = 10,
    };

    [Fact]
    public void TheBaselineLearnsMoreThanCharacterFrequencies()
    {
        var ml = new MLContext(seed: 1);
        var losses = new List<double>();
        var options = Options(iterations: 200);
        options.EvaluationInterval = 10;
        options.Progress = new ProgressRecorder(p => losses.Add(p.Loss));
        var model = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Append(ml.LanguageModeling().Trainers.LinearBaseline(options)).Fit(Rows(ml, Corpus));
        try
        {
            Assert.True(losses[^1] < losses[0] - 0.5, $"training loss {losses[0]} → {losses[^1]}");
            var metrics = ml.LanguageModeling().Evaluate(model.Transform(Rows(ml, Held)));
            // Independent baseline: character (and end-of-row) frequencies of the training rows.
            var counts = Corpus.SelectMany(t => t + "\n").GroupBy(c => c).ToDictionary(g => g.Key, g => (double)g.Count());
            double total = counts.Values.Sum();
            double unigram = -Held.SelectMany(t => t + "\n").Average(c => Math.Log(counts[c] / total));
            Assert.True(metrics.CrossEntropy < unigram - 0.3, $"linear {metrics.CrossEntropy} vs unigram {unigram} nats/char");
            Assert.True(metrics.CrossEntropy > Source.EntropyPerCharacter, "below the source's entropy: targets leak");
        }
        finally
        {
            model.LastTransformer.Dispose();
        }
    }

    [Fact]
    public void ASavedBaselineScoresAndSamplesIdentically()
    {
        var ml = new MLContext(seed: 1);
        var train = Rows(ml, Corpus);
        var options = Options(iterations: 20);
        options.TokenLogProbabilities = true;
        var model = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Append(ml.LanguageModeling().Trainers.LinearBaseline(options)).Fit(train);
        using var stream = new MemoryStream();
        ml.Model.SaveArml(model, train.Schema, stream);
        stream.Position = 0;
        var loaded = (TransformerChain<ITransformer>)ml.Model.LoadArml(stream, out _);
        var baseline = (LanguageModelTransformer)loaded.Last();
        try
        {
            var held = Rows(ml, Held);
            Assert.Equal(TinyGpt.Scores(model.Transform(held)), TinyGpt.Scores(loaded.Transform(held)));
            Assert.Equal(PerToken(model.Transform(held)), PerToken(loaded.Transform(held)));
            Assert.Equal(model.LastTransformer.Generate("the ", 30, 1.0, seed: 2), baseline.Generate("the ", 30, 1.0, seed: 2));
            Assert.Equal("ArML.LinearBaselineLanguageModel", baseline.ArmlKind);
            Assert.Equal(6, ((LinearBaselineLanguageModel)baseline.Model).Model.Config.WindowSize);
        }
        finally
        {
            model.LastTransformer.Dispose();
            baseline.Dispose();
        }
    }

    [Fact]
    public void BadOptionsFailNamingTheOption()
    {
        var trainers = new MLContext(seed: 1).LanguageModeling().Trainers;
        Assert.Equal("WindowSize", Assert.Throws<ArgumentOutOfRangeException>(() => trainers.LinearBaseline(new LinearBaselineTrainer.Options { WindowSize = 0 })).ParamName);
        Assert.Equal("EmbeddingSize", Assert.Throws<ArgumentOutOfRangeException>(() => trainers.LinearBaseline(new LinearBaselineTrainer.Options { EmbeddingSize = 0 })).ParamName);
        Assert.Equal("TokenColumnName", Assert.ThrowsAny<ArgumentException>(() => trainers.LinearBaseline(new LinearBaselineTrainer.Options { TokenColumnName = "" })).ParamName);
    }

    private static List<double[]> PerToken(IDataView scored)
    {
        var column = scored.Schema["TokenLogProbabilities"];
        using var cursor = scored.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<double>>(column);
        var result = new List<double[]>();
        VBuffer<double> value = default;
        while (cursor.MoveNext())
        {
            getter(ref value);
            result.Add(value.DenseValues().ToArray());
        }
        return result;
    }
}
