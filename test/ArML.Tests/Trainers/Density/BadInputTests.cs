using ArML.Trainers.Density;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Trainers.Density;

/// <summary>Bad input fails with messages that name the column (and the row, for bad values).</summary>
public class BadInputTests
{
    private const int D = 5;
    private static readonly float[][] Good = DensityTestData.MarkovChain(60, D, seed: 1);

    private static DensityTransformer Trained(MLContext ml, OutputDistribution distribution = OutputDistribution.Bernoulli)
    {
        var options = DensityTrainers.Options("fvsbn", iterations: 5);
        options.Distribution = distribution;
        options.CategoryCount = 3;
        return DensityTrainers.Fit(ml, options, DensityTestData.Load(ml, Good, D));
    }

    private static float[][] WithRow(int index, float[] row)
    {
        var rows = Good[..10].Select(r => r.ToArray()).ToArray();
        rows[index] = row;
        return rows;
    }

    public static TheoryData<string, float[], string> BadRows => new()
    {
        { "half", [0, 1, 0.5f, 0, 1], "holds 0.5 at index 2, but a Bernoulli dimension holds 0 or 1" },
        { "two", [2, 1, 0, 0, 1], "holds 2 at index 0, but a Bernoulli dimension holds 0 or 1" },
        { "nan", [0, 1, 0, float.NaN, 1], "holds NaN (a missing value) at index 3" },
        { "short", [0, 1, 0], "holds a vector of 3 values, but the model's dimension is 5" },
    };

    [Theory]
    [MemberData(nameof(BadRows))]
    public void ABadRowFailsScoringWithTheColumnAndRow(string _, float[] row, string expected)
    {
        var ml = new MLContext(seed: 1);
        using var model = Trained(ml);
        // A variable-size column, so that a row of another length can reach the scorer.
        var scored = model.Transform(DensityTestData.Load(ml, WithRow(7, row), 0));
        var e = Assert.Throws<InvalidDataException>(() => DensityTestData.Scores(scored));
        Assert.Contains("Row 7 of column 'Features'", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [MemberData(nameof(BadRows))]
    public void ABadRowFailsTrainingWithTheColumnAndRow(string _, float[] row, string expected)
    {
        var ml = new MLContext(seed: 1);
        var e = Assert.Throws<InvalidDataException>(() =>
            DensityTrainers.Fit(ml, DensityTrainers.Options("made", iterations: 5), DensityTestData.Load(ml, WithRow(4, row), 0)));
        Assert.Contains("Row 4 of column 'Features'", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ABadValidationRowFailsTrainingToo()
    {
        var ml = new MLContext(seed: 1);
        var options = DensityTrainers.Options("nade", iterations: 5);
        options.ValidationSet = DensityTestData.Load(ml, WithRow(2, [0, 0, 0, 0, -1]), D);
        var e = Assert.Throws<InvalidDataException>(() => DensityTrainers.Fit(ml, options, DensityTestData.Load(ml, Good, D)));
        Assert.Contains("Row 2 of column 'Features' holds -1 at index 4", e.Message);
    }

    [Fact]
    public void CategoricalValuesMustBeIntegersBelowTheCategoryCount()
    {
        var ml = new MLContext(seed: 1);
        using var model = Trained(ml, OutputDistribution.Categorical);
        foreach (float bad in new[] { 3f, 1.5f, -1f })
        {
            var e = Assert.Throws<InvalidDataException>(() => DensityTestData.Scores(model.Transform(DensityTestData.Load(ml, WithRow(1, [0, 1, 2, bad, 0]), D))));
            Assert.Contains($"Row 1 of column 'Features' holds {bad} at index 3, but a categorical dimension holds an integer in 0..2", e.Message);
        }
    }

    [Fact]
    public void TheModelsOwnMethodsCheckValuesToo()
    {
        var ml = new MLContext(seed: 1);
        using var model = Trained(ml);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Model.LogLikelihoods([0, 1, 0, 1, 0, 0, 1, float.NaN, 1, 0], new double[2]));
        Assert.Contains("Vector 1 holds NaN at index 2, but a Bernoulli dimension holds 0 or 1", e.Message);
        Assert.Throws<ArgumentException>(() => model.Model.LogLikelihoods([0, 1, 0], new double[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Sample(-1, seed: 1));
    }

    [Fact]
    public void AFixedSizeColumnOfAnotherSizeFailsUpFront()
    {
        var ml = new MLContext(seed: 1);
        using var model = Trained(ml);
        var other = DensityTestData.Load(ml, [[0, 1, 0, 1]], 4);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Transform(other));
        Assert.Contains("Column 'Features' (features) holds vectors of size 4, but the model's dimension is 5", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.GetOutputSchema(other.Schema));
    }

    public sealed class TextRow
    {
        public string Features { get; set; } = "";
    }

    public sealed class ScalarRow
    {
        public float Features { get; set; }
    }

    [Fact]
    public void WrongColumnTypesFailAtFitAndGetOutputSchemaWithTheColumnName()
    {
        var ml = new MLContext(seed: 1);
        var trainer = ml.DensityEstimation().Trainers.Made(DensityTrainers.Options("made") as MadeOptions ?? throw new InvalidOperationException());
        var wrong = new IDataView[]
        {
            ml.Data.LoadFromEnumerable([new TextRow { Features = "0 1" }]),
            ml.Data.LoadFromEnumerable([new ScalarRow { Features = 1 }]),
            ml.Transforms.Conversion.MapValueToKey("Features", "Features").Fit(ml.Data.LoadFromEnumerable([new TextRow { Features = "a" }]))
                .Transform(ml.Data.LoadFromEnumerable([new TextRow { Features = "a" }])),
        };
        foreach (var data in wrong)
        {
            var fit = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(data));
            Assert.Contains("Column 'Features' (features) must be a vector of Single, Boolean or UInt32 keys", fit.Message);
            var shape = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(ArML.Schema.SchemaShapeShim.Create(data.Schema)));
            Assert.Contains("Column 'Features' (features) must be a vector of Single, Boolean or UInt32 keys", shape.Message);
        }
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => ml.DensityEstimation().Trainers.Fvsbn("Pixels").Fit(DensityTestData.Load(ml, Good, D)));
        Assert.Contains("Column 'Pixels'", missing.Message);
    }

    [Fact]
    public void OptionsAreValidatedWhenTheTrainerIsCreated()
    {
        var ml = new MLContext(seed: 1);
        var trainers = ml.DensityEstimation().Trainers;
        Assert.Equal("MaskCount", Assert.Throws<ArgumentOutOfRangeException>(() => trainers.Made(new MadeOptions { MaskCount = 0 })).ParamName);
        Assert.Equal("HiddenLayerSizes", Assert.Throws<ArgumentOutOfRangeException>(() => trainers.Made(new MadeOptions { HiddenLayerSizes = [] })).ParamName);
        Assert.Equal("HiddenSize", Assert.Throws<ArgumentOutOfRangeException>(() => trainers.Nade(new NadeOptions { HiddenSize = 0 })).ParamName);
        Assert.Equal("CategoryCount", Assert.Throws<ArgumentOutOfRangeException>(() => trainers.Fvsbn(new FvsbnOptions { CategoryCount = 300 })).ParamName);
        Assert.Equal("AnomalyQuantile", Assert.Throws<ArgumentOutOfRangeException>(() => trainers.Fvsbn(new FvsbnOptions { AnomalyQuantile = 1.5 })).ParamName);
        Assert.Equal("BatchSize", Assert.Throws<ArgumentOutOfRangeException>(() => trainers.Fvsbn(new FvsbnOptions { BatchSize = 0 })).ParamName);
    }

    [Fact]
    public void BooleanColumnsAreAcceptedAsBinaryData()
    {
        var ml = new MLContext(seed: 1);
        using var model = Trained(ml);
        var asBool = DensityTestData.LoadBool(ml, Good[..10].Select(r => r.Select(v => v == 1).ToArray()), D);
        var asFloat = DensityTestData.Load(ml, Good[..10], D);
        Assert.Equal(DensityTestData.Scores(model.Transform(asFloat)).LogLikelihood, DensityTestData.Scores(model.Transform(asBool)).LogLikelihood);
    }
}
