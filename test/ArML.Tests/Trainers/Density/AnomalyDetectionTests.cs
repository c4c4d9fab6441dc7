using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Trainers.Density;

/// <summary>Planted outliers get the highest anomaly scores, and ML.NET's anomaly evaluator reads the columns.</summary>
public class AnomalyDetectionTests
{
    [Theory]
    [MemberData(nameof(FamilyNames))]
    public void PlantedOutliersGetTheHighestScores(string family)
    {
        const int d = 16, outliers = 6;
        var ml = new MLContext(seed: 1);
        using var model = DensityTrainers.Fit(ml, DensityTrainers.Options(family, iterations: 100),
            DensityTestData.Load(ml, DensityTestData.MarkovChain(500, d, seed: 1), d));

        // Normal rows from the chain; outliers alternate 0101…, the least likely pattern of a sticky chain.
        var random = new Random(9);
        var rows = DensityTestData.MarkovChain(200, d, seed: 2).Select(x => (x, false)).ToList();
        for (int i = 0; i < outliers; i++)
        {
            int phase = random.Next(2);
            rows.Insert(random.Next(rows.Count), (Enumerable.Range(0, d).Select(j => (float)((j + phase) % 2)).ToArray(), true));
        }
        var scored = model.Transform(DensityTestData.LoadLabeled(ml, rows, d));
        var scores = DensityTestData.Scores(scored);

        var top = Enumerable.Range(0, rows.Count).OrderByDescending(i => scores.Score[i]).Take(outliers);
        Assert.All(top, i => Assert.True(rows[i].Item2, $"row {i} (not planted) is among the {outliers} highest scores"));
        Assert.All(scores.Score.Zip(scores.LogLikelihood), s => Assert.Equal((float)-s.Second, s.First));

        var metrics = ml.AnomalyDetection.Evaluate(scored);
        Assert.Equal(1.0, metrics.AreaUnderRocCurve, 1e-6);
        Assert.Equal(1.0, metrics.DetectionRateAtFalsePositiveCount, 1e-6);
        // The default threshold (99th percentile of the training rows' scores) flags every planted outlier.
        Assert.All(Enumerable.Range(0, rows.Count).Where(i => rows[i].Item2), i => Assert.True(scores.Predicted[i]));
        Assert.True(scores.Predicted.Count(p => p) < rows.Count / 10, "the threshold flags too many normal rows");
    }

    [Fact]
    public void WithThresholdMovesPredictedLabelOnly()
    {
        const int d = 8;
        var ml = new MLContext(seed: 1);
        using var model = DensityTrainers.Fit(ml, DensityTrainers.Options("fvsbn"), DensityTestData.Load(ml, DensityTestData.MarkovChain(200, d, seed: 1), d));
        var data = DensityTestData.Load(ml, DensityTestData.MarkovChain(50, d, seed: 3), d);
        var before = DensityTestData.Scores(model.Transform(data));
        float median = before.Score.Order().ElementAt(25);
        var after = DensityTestData.Scores(model.WithThreshold(median).Transform(data));
        Assert.Equal(before.Score, after.Score);
        Assert.Equal(before.Score.Select(s => s > median), after.Predicted);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.WithThreshold(float.NaN));
    }

    public static TheoryData<string> FamilyNames => new(DensityTrainers.Families);
}
