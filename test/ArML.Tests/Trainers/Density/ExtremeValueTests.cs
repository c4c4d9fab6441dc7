using ArML.Torch;
using ArML.Trainers.Density;
using Microsoft.ML;
using TorchSharp;
using Xunit;

namespace ArML.Tests.Trainers.Density;

/// <summary>
/// Gaussian-mixture models standardize values in float32 arithmetic: values too far from the training data are
/// refused with the column, row and index, and a score that comes out non-finite anyway is an error, never a NaN.
/// </summary>
public class ExtremeValueTests
{
    private const int D = 3;
    private static readonly float[][] Rows = Continuous(200, seed: 1);

    private static float[][] Continuous(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            float a = (float)random.NextDouble();
            return new[] { a, a * a + 0.1f * (float)random.NextDouble(), 5 - a };
        }).ToArray();
    }

    private static DensityTrainerOptions Options(string family)
    {
        var options = DensityTrainers.Options(family, iterations: 10);
        options.Distribution = OutputDistribution.GaussianMixture;
        options.MixtureComponents = 2;
        return options;
    }

    private static float[][] WithValue(float[][] rows, int row, int index, float value)
    {
        var copy = rows.Select(r => r.ToArray()).ToArray();
        copy[row][index] = value;
        return copy;
    }

    public static TheoryData<string, float> FarValues => new()
    {
        { "fvsbn", 3e38f }, { "nade", 3e38f }, { "made", 3e38f }, { "made-masks", 3e38f },
        { "made", -3e38f }, { "made", float.MaxValue }, { "made", 1e20f },
    };

    [Theory]
    [MemberData(nameof(FarValues))]
    public void AValueFarOutsideTheTrainingDataFailsScoringWithTheColumnRowAndIndex(string family, float value)
    {
        var ml = new MLContext(seed: 1);
        using var model = DensityTrainers.Fit(ml, Options(family), DensityTestData.Load(ml, Rows, D));
        var scored = model.Transform(DensityTestData.Load(ml, WithValue(Rows[..20], 13, 1, value), D));
        var e = Assert.Throws<InvalidDataException>(() => DensityTestData.Scores(scored));
        Assert.Contains($"Row 13 of column 'Features' holds {value} at index 1", e.Message);
        Assert.Contains("standard deviations from the training mean", e.Message);

        var direct = Assert.Throws<ArgumentOutOfRangeException>(() => model.Model.LogLikelihoods(WithValue(Rows[..2], 1, 1, value).SelectMany(r => r).ToArray(), new double[2]));
        Assert.Contains($"Vector 1 holds {value} at index 1", direct.Message);
    }

    [Theory]
    [InlineData("fvsbn")]
    [InlineData("made")]
    public void FarButAcceptedValuesScoreFiniteAndLowerTheFartherTheyAre(string family)
    {
        var ml = new MLContext(seed: 1);
        using var model = DensityTrainers.Fit(ml, Options(family), DensityTestData.Load(ml, Rows, D));
        var standardization = model.Model.Standardization!;
        // The last dimension of the ordering (FVSBN/MADE: index 2) at 10^k standard deviations, k = 0 … 11.
        var rows = Enumerable.Range(0, 12).Select(k => WithValue(Rows[..1], 0, 2,
            (float)(standardization.Mean[2] + Math.Pow(10, k) * standardization.Scale[2]))[0]).ToArray();
        var scores = DensityTestData.Scores(model.Transform(DensityTestData.Load(ml, rows, D))).LogLikelihood;
        Assert.All(scores, s => Assert.True(double.IsFinite(s), string.Join(", ", scores)));
        // Far from every component, the log-density falls like −z²/2σ²: each decade costs at least 50× more.
        for (int k = 3; k < scores.Length; k++) Assert.True(scores[k] < 50 * scores[k - 1], string.Join(", ", scores));
    }

    [Fact]
    public void AValidationRowFarOutsideTheTrainingDataFailsTraining()
    {
        var ml = new MLContext(seed: 1);
        var options = Options("made");
        options.ValidationSet = DensityTestData.Load(ml, WithValue(Rows[..10], 2, 1, 3e38f), D);
        var e = Assert.Throws<InvalidDataException>(() => DensityTrainers.Fit(ml, options, DensityTestData.Load(ml, Rows, D)));
        Assert.Contains("Row 2 of column 'Features' of the validation set holds 3E+38 at index 1", e.Message);
    }

    [Fact]
    public void TrainingValuesNearFloatsLimitsTrainAndScoreFinite()
    {
        // Index 1 sits near −1e38 but for one row at float.MaxValue: x − mean alone overflows float32, while the
        // standardized value (about 14 standard deviations) is ordinary.
        var random = new Random(2);
        var rows = Rows.Select(r => new[] { r[0], -1e38f + 1e36f * (float)random.NextDouble(), r[2] }).ToArray();
        rows[5][1] = float.MaxValue;
        var ml = new MLContext(seed: 1);
        using var model = DensityTrainers.Fit(ml, Options("made"), DensityTestData.Load(ml, rows, D));
        var scores = DensityTestData.Scores(model.Transform(DensityTestData.Load(ml, rows, D))).LogLikelihood;
        Assert.All(scores, s => Assert.True(double.IsFinite(s), $"row {Array.IndexOf(scores, s)} scores {s}"));
        Assert.True(scores[5] < scores.Where((_, i) => i != 5).Min(), "the far row is the least likely");
    }

    [Fact]
    public void AScoreThatOverflowsInTheNetworkIsAnErrorNamingTheRow()
    {
        var ml = new MLContext(seed: 1);
        using var model = DensityTrainers.Fit(ml, Options("made"), DensityTestData.Load(ml, Rows, D));
        // Weights scaled far past float32 range make ordinary rows overflow inside the network.
        using (torch.no_grad())
            foreach (var p in model.Model.Network.parameters()) KeptScalar.MulInPlace(p, 1e30f);
        var e = Assert.Throws<InvalidDataException>(() => DensityTestData.Scores(model.Transform(DensityTestData.Load(ml, Rows[..10], D))));
        Assert.Contains("Row 0 of column 'Features'", e.Message);
        Assert.Contains("not finite", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Model.LogLikelihood(Rows[0]));
    }
}
