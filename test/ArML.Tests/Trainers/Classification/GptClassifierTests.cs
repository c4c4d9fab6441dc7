using ArML.Persistence;
using ArML.Tests.Support;
using ArML.Trainers.Classification;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Trainers.Classification;

/// <summary>A multiclass GPT classifier trained once on the planted-marker task (about two seconds).</summary>
public sealed class PlantedClassifier : IDisposable
{
    public PlantedClassifier()
    {
        Ml = new MLContext(seed: 1);
        Train = PlantedRows.Load(Ml, PlantedRows.Multiclass(600, seed: 1));
        Test = PlantedRows.Load(Ml, PlantedRows.Multiclass(200, seed: 2));
        Model = Ml.MulticlassClassification.Trainers.GptClassifier(PlantedRows.Options(iterations: 200)).Fit(Train);
    }

    public MLContext Ml { get; }
    public IDataView Train { get; }
    public IDataView Test { get; }
    public GptClassificationTransformer Model { get; }

    public void Dispose() => Model.Dispose();
}

public sealed class GptClassifierTests(PlantedClassifier fixture) : IClassFixture<PlantedClassifier>
{
    [Fact]
    public void LearnsThePlantedMarkerAndMlNetsEvaluatorReadsTheOutput()
    {
        var metrics = fixture.Ml.MulticlassClassification.Evaluate(fixture.Model.Transform(fixture.Test));
        Assert.True(metrics.MicroAccuracy >= 0.95, $"accuracy {metrics.MicroAccuracy}");
        Assert.True(metrics.LogLoss < 0.3, $"log-loss {metrics.LogLoss}");
    }

    [Fact]
    public void ScoresAreProbabilitiesAndThePredictionIsTheirArgmax()
    {
        var scored = fixture.Model.Transform(fixture.Test);
        Assert.Equal(new KeyDataViewType(typeof(uint), 3), scored.Schema["PredictedLabel"].Type);
        using var cursor = scored.GetRowCursor(scored.Schema);
        var score = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
        var predicted = cursor.GetGetter<uint>(scored.Schema["PredictedLabel"]);
        VBuffer<float> s = default;
        uint key = 0;
        int rows = 0;
        while (cursor.MoveNext())
        {
            score(ref s);
            predicted(ref key);
            var p = s.DenseValues().ToArray();
            Assert.Equal(3, p.Length);
            Assert.Equal(1.0, p.Sum(v => (double)v), 1e-6);
            Assert.Equal((uint)(Array.IndexOf(p, p.Max()) + 1), key);   // the raw key: class index + 1
            rows++;
        }
        Assert.Equal(200, rows);
    }

    [Fact]
    public void TheHeadSeesOnlyTheRowsOwnTokens()
    {
        // Alone, or batched with longer and shorter rows (so padded differently): the same logits, up to float32 rounding
        // of the other batch shape (the row's sums are the same terms; only the kernels' blocking may differ).
        var model = fixture.Model;
        var rows = new List<int>();
        var framed = PlantedRows.Multiclass(3, seed: 5).Select(r =>
            ClassifierRows.Frame(model.Layout, r.Tokens.Select(t => model.KeyMap.ToModelId((int)t - 1)).ToArray(), model.ContextLength, rows)).ToArray();
        var alone = model.Logits([framed[0]]);
        var longRow = Enumerable.Repeat(framed[1], 1).Select(f => f.Concat(f).Take(model.ContextLength).ToArray()).Single();
        var batched = model.Logits([longRow, framed[0], framed[2]]);
        double tolerance = Float32Rounding.Sum(terms: 1, width: 4 * 32, magnitude: alone.Max(Math.Abs) + 1);
        for (int c = 0; c < 3; c++) Assert.Equal(alone[c], batched[3 + c], tolerance);
    }

    [Fact]
    public void PredictionEngineAndSaveArmlGiveTheSameScores()
    {
        var expected = fixture.Ml.Data.CreateEnumerable<Prediction>(fixture.Model.Transform(fixture.Test), reuseRowObject: false).Take(5).ToList();
        var path = Path.Combine(Path.GetTempPath(), $"arml-classifier-{Guid.NewGuid():N}.zip");
        try
        {
            fixture.Ml.Model.SaveArml(fixture.Model, fixture.Test.Schema, path);
            var loaded = fixture.Ml.Model.LoadArml(path, out _);
            var engine = fixture.Ml.Model.CreatePredictionEngine<PlantedRows.Row, Prediction>(loaded);
            var rows = PlantedRows.Multiclass(200, seed: 2);
            for (int i = 0; i < expected.Count; i++)
            {
                var p = engine.Predict(rows[i]);
                Assert.Equal(expected[i].PredictedLabel, p.PredictedLabel);
                // One row per pass against batches of 32: float32 rounding of another batch shape.
                for (int c = 0; c < 3; c++) Assert.Equal(expected[i].Score[c], p.Score[c], 1e-5);
            }
            (loaded as IDisposable)?.Dispose();
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class Prediction
    {
        public float[] Score { get; set; } = [];

        public uint PredictedLabel { get; set; }
    }
}
