using ArML.Trainers.Classification;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Trainers.Classification;

public sealed class GptClassifierInputTests
{
    [Fact]
    public void BinaryClassifierLearnsAndMlNetsBinaryEvaluatorReadsIt()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(PlantedRows.Binary(600, seed: 1));
        var test = ml.Data.LoadFromEnumerable(PlantedRows.Binary(200, seed: 2));
        using var model = ml.BinaryClassification.Trainers.GptClassifier(PlantedRows.Options(iterations: 150)).Fit(train);
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(test));
        Assert.True(metrics.Accuracy >= 0.95, $"accuracy {metrics.Accuracy}");
        var engine = ml.Model.CreatePredictionEngine<PlantedRows.BinaryRow, BinaryPrediction>(model);
        var p = engine.Predict(new PlantedRows.BinaryRow { Tokens = [5, 1, 7] });
        Assert.Equal(1 / (1 + Math.Exp(-p.Score)), p.Probability, 1e-6);
        Assert.Equal(p.Score > 0, p.PredictedLabel);
    }

    [Fact]
    public void AMissingLabelColumnIsNamed()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(PlantedRows.Multiclass(4, seed: 1));
        var options = PlantedRows.Options(1);
        options.LabelColumnName = "Area";
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.GptClassifier(options).Fit(data));
        Assert.Contains("'Area'", e.Message);
        var binary = Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.GptClassifier(PlantedRows.Options(1)).Fit(data));
        Assert.Contains("must be Boolean", binary.Message);
    }

    [Fact]
    public void AMissingOrOutOfRangeLabelNamesItsRowAndColumn()
    {
        var ml = new MLContext(seed: 1);
        var rows = PlantedRows.Multiclass(4, seed: 1);
        rows[2].Label = 3;   // the key type has 3 classes: ML.NET reads this as the missing key 0
        var e = Assert.Throws<InvalidDataException>(() =>
            ml.MulticlassClassification.Trainers.GptClassifier(PlantedRows.Options(1)).Fit(ml.Data.LoadFromEnumerable(rows)));
        Assert.Contains("Row 2", e.Message);
        Assert.Contains("'Label'", e.Message);
    }

    [Fact]
    public void AWarmStartBeginsFromThePretrainedLanguageModel()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(PlantedRows.Multiclass(100, seed: 1));
        using var lm = ml.LanguageModeling().Trainers.Gpt(new ArML.Trainers.Gpt.GptTrainer.Options
        {
            ContextLength = 16, LayerCount = 1, HeadCount = 2, EmbeddingSize = 16, MaxIterations = 5, Seed = 3,
        }).Fit(data);
        var options = PlantedRows.Options(1);
        options.InitialModel = lm;
        options.LearningRate = 1e-12;   // one step that moves nothing measurable: the weights stay the pretrained ones
        options.WarmupIterations = 0;
        using var classifier = ml.MulticlassClassification.Trainers.GptClassifier(options).Fit(data);
        var pretrained = ((ArML.Trainers.Gpt.GptLanguageModel)lm.Model).Model.state_dict();
        var tuned = classifier.Network.Gpt.state_dict();
        Assert.Equal(pretrained.Keys.Order(), tuned.Keys.Order());
        foreach (var (name, tensor) in pretrained)
            Assert.True(tensor.allclose(tuned[name], rtol: 0, atol: 1e-9), name);
        Assert.Equal(16, classifier.ContextLength);
    }

    private sealed class BinaryPrediction
    {
        public float Score { get; set; }

        public float Probability { get; set; }

        public bool PredictedLabel { get; set; }
    }
}
