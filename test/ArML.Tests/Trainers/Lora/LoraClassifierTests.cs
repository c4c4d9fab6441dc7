using ArML.Persistence;
using ArML.Tests.Support;
using ArML.Tests.Trainers.Classification;
using ArML.Trainers.Classification;
using ArML.Trainers.Gpt;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Trainers.Lora;

public class LoraClassifierTests
{
    [Fact]
    public void TheClassifierTrainsAdaptersAndItsHeadOverAFrozenGptAndSavesThemFolded()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(PlantedRows.Multiclass(100, seed: 1));
        using var lm = ml.LanguageModeling().Trainers.Gpt(new GptTrainer.Options
        {
            ContextLength = 16, LayerCount = 1, HeadCount = 2, EmbeddingSize = 16, MaxIterations = 5, Seed = 3,
        }).Fit(data);
        var options = PlantedRows.Options(8);
        options.InitialModel = lm;
        options.Adapter = new LoraOptions { Rank = 2, Targets = LoraTargets.All };
        using var classifier = ml.MulticlassClassification.Trainers.GptClassifier(options).Fit(data);

        var pretrained = ((GptLanguageModel)lm.Model).Model.BaseWeights().ToDictionary(kv => kv.Key, kv => kv.Value);
        var gpt = classifier.Network.Gpt;
        Assert.True(gpt.HasAdapters);
        Assert.All(gpt.BaseWeights(), kv => Assert.Equal(pretrained[kv.Key].Data, kv.Value.Data));
        Assert.True(classifier.Network.Head.weight!.requires_grad);   // the head trains with the adapters
        Assert.Contains(gpt.AdapterWeights(), kv => kv.Key.EndsWith(".B", StringComparison.Ordinal) && kv.Value.Data.Any(b => b != 0));

        // Saved with the adapters folded in: the loaded classifier's probabilities agree within float32 rounding.
        var stream = new MemoryStream();
        ml.Model.SaveArml(classifier, data.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.LoadArml(stream, out _);
        var expected = Scores(ml, classifier.Transform(data));
        var actual = Scores(ml, loaded.Transform(data));
        double tolerance = Float32Rounding.Sum(1, 4 * 16, 10);
        Assert.All(expected.Zip(actual), p => Assert.All(p.First.Zip(p.Second), q => Assert.Equal(q.First, q.Second, tolerance)));
        (loaded as IDisposable)?.Dispose();
    }

    private static List<float[]> Scores(MLContext ml, IDataView scored) =>
        ml.Data.CreateEnumerable<Prediction>(scored, reuseRowObject: false).Select(p => p.Score).ToList();

    private sealed class Prediction
    {
        public float[] Score { get; set; } = [];
    }
}
