using ArML.Persistence;
using ArML.Trainers.Density;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Trainers.Density;

/// <summary>SaveArml/LoadArml round trips, pipelines with ML.NET transforms, and single-row prediction.</summary>
public class DensityPersistenceTests
{
    public sealed class ThreeColumns
    {
        public float A { get; set; }
        public float B { get; set; }
        public float C { get; set; }
    }

    public sealed class Prediction
    {
        public double LogLikelihood { get; set; }
        public int TokenCount { get; set; }
        public float Score { get; set; }
        public bool PredictedLabel { get; set; }
    }

    [Theory]
    [InlineData("made-masks", OutputDistribution.Bernoulli)]
    [InlineData("nade", OutputDistribution.Categorical)]
    [InlineData("fvsbn", OutputDistribution.GaussianMixture)]
    public void RoundTripKeepsScoresThresholdAndSamples(string family, OutputDistribution distribution)
    {
        const int d = 6;
        var ml = new MLContext(seed: 1);
        var rows = DensityTestData.MarkovChain(200, d, seed: 1).Select(r => distribution == OutputDistribution.Bernoulli ? r : r.Select((v, i) => v + i % 2).ToArray()).ToArray();
        var options = DensityTrainers.Options(family, iterations: 30);
        options.Distribution = distribution;
        options.CategoryCount = 3;
        options.MixtureComponents = 2;
        var data = DensityTestData.Load(ml, rows, d);
        using var model = DensityTrainers.Fit(ml, options, data);

        using var stream = new MemoryStream();
        ml.Model.SaveArml(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = Assert.IsType<DensityTransformer>(ml.Model.LoadArml(stream, out var schema));
        using var _ = loaded;

        Assert.Equal(model.Model.Config with { HiddenSizes = [] }, loaded.Model.Config with { HiddenSizes = [] });
        Assert.Equal(model.Model.Config.HiddenSizes, loaded.Model.Config.HiddenSizes);
        Assert.Equal(model.Threshold, loaded.Threshold);
        Assert.Equal(model.Model.Standardization?.Mean, loaded.Model.Standardization?.Mean);
        Assert.Equal(model.Model.Standardization?.Scale, loaded.Model.Standardization?.Scale);
        var test = DensityTestData.Load(ml, rows[..30], d);
        Assert.Equal(DensityTestData.Scores(model.Transform(test)).LogLikelihood, DensityTestData.Scores(loaded.Transform(test)).LogLikelihood);
        Assert.Equal(model.Sample(10, seed: 4), loaded.Sample(10, seed: 4));
        Assert.Equal(d, ((VectorDataViewType)schema["Features"].Type).Size);
    }

    [Fact]
    public void APipelineWithAnMlNetTransformRoundTripsAndPredictsSingleRows()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(2);
        var rows = Enumerable.Range(0, 300).Select(_ =>
        {
            float a = (float)random.NextDouble();
            return new ThreeColumns { A = a, B = 2 * a + 0.1f * (float)random.NextDouble(), C = (float)random.NextDouble() };
        }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = (MadeOptions)DensityTrainers.Options("made", iterations: 40);
        options.Distribution = OutputDistribution.GaussianMixture;
        var pipeline = ml.Transforms.Concatenate("Features", "A", "B", "C").Append(ml.DensityEstimation().Trainers.Made(options));
        var model = pipeline.Fit(data);
        using var density = model.LastTransformer;
        var expected = DensityTestData.Scores(model.Transform(data));

        using var stream = new MemoryStream();
        ml.Model.SaveArml(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.LoadArml(stream, out _);
        Assert.Equal(expected.LogLikelihood, DensityTestData.Scores(loaded.Transform(data)).LogLikelihood);

        var engine = ml.Model.CreatePredictionEngine<ThreeColumns, Prediction>(loaded);
        foreach (int i in new[] { 0, 17, 299 })
        {
            var prediction = engine.Predict(rows[i]);
            Assert.Equal(expected.LogLikelihood[i], prediction.LogLikelihood, 5);   // a batch of one sums in another order
            Assert.Equal(3, prediction.TokenCount);
            Assert.Equal(expected.Score[i], prediction.Score, 1e-5);
            Assert.Equal(expected.Predicted[i], prediction.PredictedLabel);
        }
        // The unusual row (B far from 2A) scores worse than the typical ones.
        Assert.True(engine.Predict(new ThreeColumns { A = 0.1f, B = 1.9f, C = 0.5f }).Score > expected.Score.Max());
        ((IDisposable)((TransformerChain<ITransformer>)loaded).LastTransformer).Dispose();
    }

    [Fact]
    public void TheSameSeedGivesTheSameModelAndAnotherSeedAnother()
    {
        const int d = 8;
        double[] Train(int seed)
        {
            var ml = new MLContext(seed: seed);
            var options = DensityTrainers.Options("made-masks", iterations: 20);
            options.Seed = null;   // drawn from the context's seed
            var data = DensityTestData.Load(ml, DensityTestData.MarkovChain(100, d, seed: 1), d);
            using var model = DensityTrainers.Fit(ml, options, data);
            return DensityTestData.Scores(model.Transform(data)).LogLikelihood;
        }
        Assert.Equal(Train(5), Train(5));
        Assert.NotEqual(Train(5), Train(6));
    }

    [Fact]
    public void ResumingFromACheckpointGivesTheUninterruptedModel()
    {
        const int d = 8;
        string dir = Directory.CreateTempSubdirectory("arml-density-").FullName;
        try
        {
            var ml = new MLContext(seed: 1);
            var data = DensityTestData.Load(ml, DensityTestData.MarkovChain(100, d, seed: 1), d);
            DensityTrainerOptions Options(int iterations, bool checkpoint)
            {
                var o = DensityTrainers.Options("made-masks", iterations: 30);
                o.MaxIterations = iterations;
                o.CheckpointDirectory = checkpoint ? dir : null;
                o.CheckpointInterval = 10;
                return o;
            }
            using var whole = DensityTrainers.Fit(ml, Options(30, checkpoint: false), data);
            // A run of the same 30 steps, cancelled after step 20 (it checkpoints before throwing) …
            var interrupted = Options(30, checkpoint: true);
            var cancel = new CancellationTokenSource();
            interrupted.CancellationToken = cancel.Token;
            interrupted.Progress = new StopAt(20, cancel);
            interrupted.EvaluationInterval = 10;
            Assert.Throws<OperationCanceledException>(() => DensityTrainers.Fit(ml, interrupted, data));
            // … and resumed from its checkpoint.
            using var resumed = DensityTrainers.Fit(ml, Options(30, checkpoint: true), data);
            Assert.Equal(DensityTestData.Scores(whole.Transform(data)).LogLikelihood, DensityTestData.Scores(resumed.Transform(data)).LogLikelihood);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class StopAt(int iteration, CancellationTokenSource cancel) : IProgress<ArML.Training.TrainingProgress>
    {
        public void Report(ArML.Training.TrainingProgress value)
        {
            if (value.Iteration >= iteration) cancel.Cancel();
        }
    }
}
