using ArML.Persistence;
using ArML.Tests.Trainers.VectorQuantization;
using ArML.Torch;
using ArML.Trainers.Density;
using ArML.Trainers.PixelCnn;
using Microsoft.ML;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers.PixelCnn;

/// <summary>
/// One-hot input: a key column's categories (codes, which have no order) are read as K indicator maps, numbers as one
/// scaled value; the indicators are checked against the scaled network they generalise.
/// </summary>
public class PixelCnnInputEncodingTests
{
    private const int Side = 4, Categories = 8;

    private static readonly uint[][] Keys = Enumerable.Range(0, 64)
        .Select(r => Enumerable.Range(0, Side * Side).Select(i => (uint)((r + i * (r % 3 + 1)) % Categories + 1)).ToArray()).ToArray();

    private static PixelCnnOptions Options(PixelCnnInputEncoding encoding, OutputDistribution distribution = OutputDistribution.Categorical) => new()
    {
        FeatureColumnName = "Codes", Height = Side, Width = Side, Distribution = distribution, CategoryCount = Categories, InputEncoding = encoding,
        Layers = 2, Filters = 8, OutputHiddenSize = 16, FirstKernelSize = 3, MaxIterations = 10, BatchSize = 16, LearningRate = 1e-2, Seed = 3,
    };

    [Theory]
    [InlineData(PixelCnnInputEncoding.Auto, true, true)]
    [InlineData(PixelCnnInputEncoding.Auto, false, false)]
    [InlineData(PixelCnnInputEncoding.Scaled, true, false)]
    [InlineData(PixelCnnInputEncoding.OneHot, false, true)]
    public void AutoReadsKeysOneHotAndNumbersScaled(PixelCnnInputEncoding encoding, bool keyColumn, bool oneHot)
    {
        var ml = new MLContext(seed: 1);
        var data = keyColumn
            ? VectorQuantizerTestData.LoadKeys(ml, Keys, Categories, Side * Side)
            : VectorQuantizerTestData.LoadSingles(ml, Keys.Select(k => k.Select(v => (float)(v - 1)).ToArray()), Side * Side);
        using var model = ml.DensityEstimation().Trainers.PixelCnn(Options(encoding)).Fit(data);
        Assert.Equal(oneHot, model.Model.Config.PixelCnn!.OneHotInput);
        Assert.All(DensityTestData(model, data), ll => Assert.True(double.IsFinite(ll) && ll < 0));
    }

    [Fact]
    public void OneHotInputNeedsCategoricalOutputs()
    {
        var ml = new MLContext(seed: 1);
        var data = VectorQuantizerTestData.LoadSingles(ml, [new float[Side * Side]], Side * Side);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.DensityEstimation().Trainers.PixelCnn(Options(PixelCnnInputEncoding.OneHot, OutputDistribution.Bernoulli)).Fit(data));
        Assert.Equal(nameof(PixelCnnOptions.InputEncoding), error.ParamName);
    }

    [Fact]
    public void AOneHotModelRoundTripsThroughSaveArml()
    {
        var ml = new MLContext(seed: 1);
        var data = VectorQuantizerTestData.LoadKeys(ml, Keys, Categories, Side * Side);
        using var model = ml.DensityEstimation().Trainers.PixelCnn(Options(PixelCnnInputEncoding.Auto)).Fit(data);
        using var stream = new MemoryStream();
        ml.Model.SaveArml(model, data.Schema, stream);
        stream.Position = 0;
        using var loaded = Assert.IsType<DensityTransformer>(ml.Model.LoadArml(stream, out _));
        Assert.True(loaded.Model.Config.PixelCnn!.OneHotInput);
        Assert.Equal(model.Model.Config.PixelCnn, loaded.Model.Config.PixelCnn);
        Assert.Equal(DensityTestData(model, data), DensityTestData(loaded, data));
        Assert.Equal(model.Sample(4, seed: 2), loaded.Sample(4, seed: 2));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void IndicatorsWeightedByTheirLevelReproduceTheScaledNetwork(int channels)
    {
        // A one-hot network whose first-layer weight for channel c's indicator k is the scaled network's weight for
        // channel c times k / (K − 1) computes exactly what the scaled network computes: this pins down which map
        // each (channel, category) lands on and that the scaling is undone exactly.
        const int k = 5;
        var scaledShape = new PixelCnnConfig(3, 4, channels, Layers: 2, Filters: 4, FirstKernelSize: 3, KernelSize: 3, OutputHiddenSize: 6);
        using var scaled = PixelCnnTestModels.RandomNetwork(scaledShape, OutputDistribution.Categorical, k);
        using var oneHot = PixelCnnTestModels.RandomNetwork(scaledShape with { OneHotInput = true }, OutputDistribution.Categorical, k);
        var source = scaled.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using (no_grad())
            foreach (var (name, target) in oneHot.named_parameters())
            {
                if (name is not ("v_weight_0" or "h_weight_0")) { target.copy_(source[name]); continue; }
                for (int c = 0; c < channels; c++)
                    for (int level = 0; level < k; level++)
                        target[.., c * k + level].copy_(KeptScalar.Mul(source[name][.., c], level / (double)(k - 1)));
            }
        var random = new Random(6);
        for (int trial = 0; trial < 3; trial++)
        {
            // Values as the network reads them: category / (K − 1).
            var x = Enumerable.Range(0, (int)scaledShape.Values).Select(_ => random.Next(k) / (double)(k - 1)).ToArray();
            var expected = PixelCnnTestModels.Outputs(scaled, x);
            var actual = PixelCnnTestModels.Outputs(oneHot, x);
            for (int i = 0; i < x.Length; i++)
                for (int j = 0; j < k; j++) Assert.Equal(expected[i][j], actual[i][j], 10);
        }
    }

    private static double[] DensityTestData(DensityTransformer model, IDataView data) =>
        ArML.Tests.Trainers.Density.DensityTestData.Scores(model.Transform(data)).LogLikelihood;
}
