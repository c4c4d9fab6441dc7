using ArML.Persistence;
using ArML.Tests.Trainers.Density;
using ArML.Trainers.Density;
using ArML.Trainers.PixelCnn;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Trainers.PixelCnn;

/// <summary>SaveArml/LoadArml round trips of a PixelCNN, and bad input that names the column and row.</summary>
public class PixelCnnPersistenceAndInputTests
{
    private static readonly float[][] Images = DensityTestData.MarkovChain(80, 6, seed: 2);

    [Fact]
    public void RoundTripKeepsTheShapeScoresAndSamples()
    {
        var ml = new MLContext(seed: 1);
        var data = DensityTestData.Load(ml, Images, 6);
        using var model = PixelCnnTestModels.Fit(ml, PixelCnnTestModels.Options(2, 3, iterations: 20), data);

        using var stream = new MemoryStream();
        ml.Model.SaveArml(model, data.Schema, stream);
        stream.Position = 0;
        using var loaded = Assert.IsType<DensityTransformer>(ml.Model.LoadArml(stream, out _));

        Assert.Equal(new PixelCnnConfig(2, 3, 1, 2, 8, 5, 3, 16), loaded.Model.Config.PixelCnn);
        Assert.Equal(DensityModelFamily.PixelCnn, loaded.Model.Config.Family);
        Assert.Equal(model.Threshold, loaded.Threshold);
        Assert.Equal(DensityTestData.Scores(model.Transform(data)).LogLikelihood, DensityTestData.Scores(loaded.Transform(data)).LogLikelihood);
        Assert.Equal(model.Sample(5, seed: 4), loaded.Sample(5, seed: 4));
    }

    public static TheoryData<string, float[], string> BadRows => new()
    {
        { "half", [0, 1, 0.5f, 0, 1, 0], "holds 0.5 at index 2, but a Bernoulli dimension holds 0 or 1" },
        { "nan", [0, 1, 0, float.NaN, 1, 0], "holds NaN (a missing value) at index 3" },
        { "short", [0, 1, 0, 1, 0], "holds a vector of 5 values, but the model's dimension is 6" },
    };

    [Theory]
    [MemberData(nameof(BadRows))]
    public void ABadRowFailsTrainingAndScoringWithTheColumnAndRow(string _, float[] row, string expected)
    {
        var ml = new MLContext(seed: 1);
        var rows = Images[..10].Select(r => r.ToArray()).ToArray();
        rows[7] = row;
        // A variable-size column, so that a row of another length reaches the reader.
        var bad = DensityTestData.Load(ml, rows, 0);
        var e = Assert.Throws<InvalidDataException>(() => PixelCnnTestModels.Fit(ml, PixelCnnTestModels.Options(2, 3, iterations: 2), bad));
        Assert.Contains("Row 7 of column 'Features'", e.Message);
        Assert.Contains(expected, e.Message);

        using var model = PixelCnnTestModels.Fit(ml, PixelCnnTestModels.Options(2, 3, iterations: 2), DensityTestData.Load(ml, Images, 6));
        e = Assert.Throws<InvalidDataException>(() => DensityTestData.Scores(model.Transform(bad)));
        Assert.Contains("Row 7 of column 'Features'", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void AnEightBitValueOutsideTheLevelsNamesTheColumnAndRow()
    {
        var ml = new MLContext(seed: 1);
        var rows = Images[..10].Select(r => r.Select(v => v * 255).ToArray()).ToArray();
        rows[4][1] = 256;
        var options = PixelCnnTestModels.Options(2, 3, iterations: 2);
        options.Distribution = OutputDistribution.Categorical;
        var e = Assert.Throws<InvalidDataException>(() => PixelCnnTestModels.Fit(ml, options, DensityTestData.Load(ml, rows, 6)));
        Assert.Contains("Row 4 of column 'Features' holds 256 at index 1, but a categorical dimension holds an integer in 0..255", e.Message);
    }

    [Fact]
    public void AnImageShapeThatDoesNotMatchTheVectorsNamesTheColumn()
    {
        var ml = new MLContext(seed: 1);
        // 6 values per row cannot be a 2×4 image: refused from the schema, before any row is read.
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => PixelCnnTestModels.Fit(ml, PixelCnnTestModels.Options(2, 4), DensityTestData.Load(ml, Images, 6)));
        Assert.Contains("Column 'Features' (features) holds vectors of size 6, but the model's dimension is 8", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.DensityEstimation().Trainers.PixelCnn(new PixelCnnOptions { Height = 2, Width = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.DensityEstimation().Trainers.PixelCnn(new PixelCnnOptions { Height = 2, Width = 3, KernelSize = 4 }));
    }

    [Fact]
    public void AFileWhoseImageShapeDisagreesWithTheDimensionIsRefused()
    {
        var shape = new PixelCnnConfig(2, 3, 1, 2, 8, 5, 3, 16);
        var config = new DensityModelConfig(DensityModelFamily.PixelCnn, 6, OutputDistribution.Bernoulli, 2, 1, [], 1, false, false, shape);
        Assert.Null(config.Problem());
        Assert.Contains("holds 8 values, not the dimension 6", (config with { PixelCnn = shape with { Width = 4 } }).Problem());
        Assert.Contains("only a PixelCNN", (config with { Family = DensityModelFamily.Fvsbn }).Problem());
        Assert.Contains("only a PixelCNN", (config with { PixelCnn = null }).Problem());
    }
}
