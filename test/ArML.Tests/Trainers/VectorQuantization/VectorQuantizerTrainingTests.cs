using ArML.Trainers;
using ArML.Trainers.VectorQuantization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Trainers.VectorQuantization;

/// <summary>Training a VQ-VAE on tiny bar images: reconstruction improves, codes are used, bad input is named.</summary>
public class VectorQuantizerTrainingTests
{
    private static VectorQuantizerOptions Options(int iterations) => new()
    {
        InputColumnName = "Pixels", OutputColumnName = "Codes", Height = 8, Width = 8, CodebookSize = 8, CodeDimension = 4, HiddenChannels = 16,
        DownsamplingLayers = 1, MaxIterations = iterations, BatchSize = 16, LearningRate = 3e-3, WarmupIterations = 5, DeadCodeInterval = 10,
        Seed = 3,
    };

    [Fact]
    public void ReconstructionImprovesOverTrainingAndBeatsTheMeanImage()
    {
        var ml = new MLContext(seed: 1);
        var train = VectorQuantizerTestData.Bars(256, seed: 1);
        var test = VectorQuantizerTestData.Bars(64, seed: 2);
        using var early = ml.Transforms.VectorQuantize(Options(1)).Fit(VectorQuantizerTestData.Load(ml, train));
        using var trained = ml.Transforms.VectorQuantize(Options(100)).Fit(VectorQuantizerTestData.Load(ml, train));

        // The baseline: every value predicted by its training mean.
        var mean = Enumerable.Range(0, 64).Select(i => train.Average(image => (double)image[i])).ToArray();
        double meanImage = test.Average(image => image.Select((v, i) => Math.Pow(v - mean[i], 2)).Average());
        double before = VectorQuantizerTestData.ReconstructionError(early, test);
        double after = VectorQuantizerTestData.ReconstructionError(trained, test);
        Assert.True(after < before / 2, $"reconstruction error {before:F4} after one step, {after:F4} after 100");
        Assert.True(after < meanImage / 2, $"reconstruction error {after:F4}, the mean image's {meanImage:F4}");

        var metrics = trained.Metrics!;
        Assert.Equal(256, metrics.Rows);
        Assert.Equal(VectorQuantizerTestData.ReconstructionError(trained, train), metrics.ReconstructionError, 4);
        Assert.InRange(metrics.CodePerplexity, 2, 8);
        Assert.InRange(metrics.CodesUsed, 3, 8);
        Assert.True(metrics.DeadCodeRestarts > 0, "the initial codebook, far from the encoder outputs, had dead codes to restart");
        Assert.Equal((4, 4, 16), (trained.GridHeight, trained.GridWidth, trained.CodeCount));
    }

    [Fact]
    public void TheCodesColumnIsAFixedKeyVectorMatchingEncode()
    {
        var ml = new MLContext(seed: 1);
        var images = VectorQuantizerTestData.Bars(40, seed: 4);
        using var quantizer = ml.Transforms.VectorQuantize(Options(20)).Fit(VectorQuantizerTestData.Load(ml, images));
        var output = quantizer.Transform(VectorQuantizerTestData.Load(ml, images));
        var type = Assert.IsType<VectorDataViewType>(output.Schema["Codes"].Type);
        Assert.Equal(16, type.Size);
        Assert.Equal(8UL, Assert.IsType<KeyDataViewType>(type.ItemType).Count);
        var rows = output.GetColumn<VBuffer<uint>>("Codes").Select(v => v.DenseValues().Select(k => (int)k - 1).ToArray()).ToList();
        for (int r = 0; r < images.Count; r++) Assert.Equal(quantizer.Encode(images[r]), rows[r]);
    }

    [Fact]
    public void TheSeedAloneFixesTheQuantizer()
    {
        var ml = new MLContext(seed: 1);
        var images = VectorQuantizerTestData.Bars(40, seed: 5);
        var data = VectorQuantizerTestData.Load(ml, images);
        using var first = ml.Transforms.VectorQuantize(Options(10)).Fit(data);
        // Whatever else draws from libtorch's global generator in between changes nothing.
        TorchSharp.torch.manual_seed(99);
        using (TorchSharp.torch.rand(1000)) { }
        using var again = ml.Transforms.VectorQuantize(Options(10)).Fit(data);
        var other = Options(10);
        other.Seed = 4;
        using var reseeded = ml.Transforms.VectorQuantize(other).Fit(data);

        Assert.Equal(Weights(first), Weights(again));
        Assert.NotEqual(Weights(first), Weights(reseeded));
        Assert.Equal(images.Select(first.Encode), images.Select(again.Encode));
        Assert.NotEqual(images.Select(first.Encode), images.Select(reseeded.Encode));
    }

    private static List<byte[]> Weights(VectorQuantizingTransformer quantizer) =>
        ArML.Torch.ModuleWeights.Export(quantizer.Model.Network).Select(kv => kv.Value.Data).ToList();

    [Fact]
    public void BadInputIsNamedByColumnAndRow()
    {
        var ml = new MLContext(seed: 1);
        var images = VectorQuantizerTestData.Bars(6, seed: 5);
        var nan = images.Select(i => (float[])i.Clone()).ToList();
        nan[3][10] = float.NaN;
        var error = Assert.Throws<InvalidDataException>(() => ml.Transforms.VectorQuantize(Options(2)).Fit(VectorQuantizerTestData.Load(ml, nan)));
        Assert.Contains("Row 3 of column 'Pixels'", error.Message);
        Assert.Contains("NaN", error.Message);

        var ragged = images.Select((i, r) => r == 4 ? i[..60] : i).ToList();
        error = Assert.Throws<InvalidDataException>(() => ml.Transforms.VectorQuantize(Options(2)).Fit(VectorQuantizerTestData.Load(ml, ragged, size: 0)));
        Assert.Contains("Row 4 of column 'Pixels'", error.Message);
        Assert.Contains("60 values", error.Message);

        var fixedSize = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.Transforms.VectorQuantize(Options(2)).Fit(VectorQuantizerTestData.Load(ml, images.Select(i => i[..49]), size: 49)));
        Assert.Contains("Column 'Pixels'", fixedSize.Message);

        var shape = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.VectorQuantize(new VectorQuantizerOptions
        {
            InputColumnName = "Pixels", Height = 6, Width = 8, DownsamplingLayers = 2,
        }));
        Assert.Contains("does not divide", shape.Message);

        using var quantizer = ml.Transforms.VectorQuantize(Options(2)).Fit(VectorQuantizerTestData.Load(ml, images));
        var scoring = Assert.Throws<InvalidDataException>(() =>
            quantizer.Transform(VectorQuantizerTestData.Load(ml, nan)).GetColumn<VBuffer<uint>>("Codes").ToList());
        Assert.Contains("Row 3 of column 'Pixels'", scoring.Message);
        Assert.Throws<ArgumentException>(() => quantizer.Decode([0, 1, 2]));
        Assert.Throws<ArgumentException>(() => quantizer.Decode([.. new int[15], 8]));
    }
}
