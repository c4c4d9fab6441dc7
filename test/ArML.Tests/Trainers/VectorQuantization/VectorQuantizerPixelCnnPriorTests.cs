using ArML.Trainers.Density;
using ArML.Trainers.PixelCnn;
using ArML.Trainers.VectorQuantization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Trainers.VectorQuantization;

/// <summary>A PixelCNN as the prior over a VQ-VAE's code grid: it reads the key column, scores bits per code, samples decodable codes.</summary>
public class VectorQuantizerPixelCnnPriorTests
{
    private static PixelCnnOptions Prior(OutputDistribution distribution = OutputDistribution.Categorical, int categories = 8) => new()
    {
        FeatureColumnName = "Codes", Height = 4, Width = 4, Distribution = distribution, CategoryCount = categories, Layers = 2, Filters = 16,
        OutputHiddenSize = 32, FirstKernelSize = 3, MaxIterations = 60, BatchSize = 32, LearningRate = 1e-2, WarmupIterations = 5, Seed = 3,
    };

    [Fact]
    public void APixelCnnModelsTheCodeGridAndItsSamplesDecode()
    {
        var ml = new MLContext(seed: 1);
        var images = VectorQuantizerTestData.Bars(128, seed: 10);
        using var quantizer = ml.Transforms.VectorQuantize(new VectorQuantizerOptions
        {
            InputColumnName = "Pixels", OutputColumnName = "Codes", Height = 8, Width = 8, CodebookSize = 8, CodeDimension = 4, HiddenChannels = 8,
            DownsamplingLayers = 1, MaxIterations = 30, BatchSize = 16, LearningRate = 3e-3, WarmupIterations = 2, DeadCodeInterval = 5, Seed = 2,
        }).Fit(VectorQuantizerTestData.Load(ml, images));
        var codes = quantizer.Transform(VectorQuantizerTestData.Load(ml, images));
        using var prior = ml.DensityEstimation().Trainers.PixelCnn(Prior()).Fit(codes);

        // Bits per code against the baseline of each grid position's own code frequencies (float64, from the rows).
        var rows = codes.GetColumn<VBuffer<uint>>("Codes").Select(v => v.DenseValues().Select(k => (int)k - 1).ToArray()).ToList();
        double marginal = 0;
        for (int p = 0; p < 16; p++)
            foreach (var group in rows.GroupBy(r => r[p]))
            {
                double q = group.Count() / (double)rows.Count;
                marginal -= group.Count() * Math.Log2(q);
            }
        marginal /= rows.Count * 16.0;
        var logLikelihoods = prior.Transform(codes).GetColumn<double>("LogLikelihood").ToList();
        Assert.All(logLikelihoods, ll => Assert.True(double.IsFinite(ll) && ll <= 0, $"log-likelihood {ll}"));
        double bitsPerCode = -logLikelihoods.Average() / 16 / Math.Log(2);
        Assert.True(bitsPerCode < marginal, $"the prior's {bitsPerCode:F3} bits per code, the positions' marginal frequencies' {marginal:F3}");

        // Samples are codes of the codebook, which the dequantizer decodes as Decode does.
        var samples = prior.Sample(12, seed: 5);
        Assert.All(samples, s => Assert.All(s, c => Assert.True(c >= 0 && c < 8 && c == MathF.Floor(c), $"sampled code {c}")));
        var view = VectorQuantizerTestData.LoadSingles(ml, samples, 16);
        using var decoder = ml.Transforms.VectorDequantize("Decoded", quantizer, scoringBatchSize: 1).Fit(view);
        var decoded = decoder.Transform(view).GetColumn<VBuffer<float>>("Decoded").Select(v => v.DenseValues().ToArray()).ToList();
        Assert.Equal(samples.Select(s => quantizer.Decode(s.Select(c => (int)c).ToArray())), decoded);
    }

    [Fact]
    public void AKeyColumnNeedsACategoricalModelOfItsKeyCount()
    {
        var ml = new MLContext(seed: 1);
        var codes = VectorQuantizerTestData.LoadKeys(ml, [Enumerable.Repeat(3u, 16).ToArray()], 8, size: 16);
        foreach (var options in new[] { Prior(OutputDistribution.Bernoulli), Prior(categories: 7) })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.DensityEstimation().Trainers.PixelCnn(options).Fit(codes));
            Assert.Contains("Column 'Codes' (features) holds keys 1 … 8", error.Message);
            Assert.Contains("CategoryCount at least 8", error.Message);
        }
    }
}
