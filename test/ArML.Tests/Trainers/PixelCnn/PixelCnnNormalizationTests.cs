using ArML.Tests.Trainers.Density;
using ArML.Trainers.Density;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Trainers.PixelCnn;

/// <summary>
/// Exact normalisation of a trained PixelCNN by enumeration: the probabilities the transformer reports for every
/// possible image sum to 1, and ancestral samples follow them.
/// </summary>
public class PixelCnnNormalizationTests
{
    [Fact]
    public void ProbabilitiesOfAll512BinaryThreeByThreeImagesSumToOne()
    {
        const int d = 9;
        var ml = new MLContext(seed: 1);
        using var model = PixelCnnTestModels.Fit(ml, PixelCnnTestModels.Options(3, 3), DensityTestData.Load(ml, DensityTestData.MarkovChain(400, d, seed: 1), d));
        var scores = DensityTestData.Scores(model.Transform(DensityTestData.Load(ml, DensityTestData.AllBinaryVectors(d), d)));

        Assert.Equal(512, scores.LogLikelihood.Length);
        Assert.All(scores.TokenCount, c => Assert.Equal(d, c));
        Assert.Equal(1.0, scores.LogLikelihood.Sum(Math.Exp), 1e-4);
        // Not nearly uniform (which would sum to 1 trivially): training moved mass to the chain's likely images.
        Assert.True(scores.LogLikelihood.Max() - scores.LogLikelihood.Min() > 3, "the model is still nearly uniform");
    }

    [Theory]
    [InlineData(ArML.Trainers.PixelCnn.PixelCnnInputEncoding.Scaled)]
    [InlineData(ArML.Trainers.PixelCnn.PixelCnnInputEncoding.OneHot)]
    public void CategoricalProbabilitiesOfAllTwoPixelThreeChannelImagesSumToOneAndSamplesFollowThem(ArML.Trainers.PixelCnn.PixelCnnInputEncoding encoding)
    {
        // A 1×2 image of 2 channels with 3 levels: 81 images, with the channels of a pixel strongly dependent.
        const int d = 4, k = 3, draws = 20_000;
        var ml = new MLContext(seed: 1);
        var random = new Random(3);
        var rows = Enumerable.Range(0, 300).Select(_ =>
        {
            var x = new float[d];
            x[0] = random.Next(k);
            for (int i = 1; i < d; i++) x[i] = (x[i - 1] + (random.NextDouble() < 0.8 ? 0 : 1)) % k;
            return x;
        }).ToArray();
        var options = PixelCnnTestModels.Options(1, 2, channels: 2, iterations: 150);
        options.Distribution = OutputDistribution.Categorical;
        options.CategoryCount = k;
        options.InputEncoding = encoding;
        using var model = PixelCnnTestModels.Fit(ml, options, DensityTestData.Load(ml, rows, d));

        var all = Enumerable.Range(0, 81).Select(v => Enumerable.Range(0, d).Select(i => (float)(v / (int)Math.Pow(k, i) % k)).ToArray()).ToArray();
        var logLikelihoods = DensityTestData.Scores(model.Transform(DensityTestData.Load(ml, all, d))).LogLikelihood;
        Assert.Equal(1.0, logLikelihoods.Sum(Math.Exp), 1e-4);
        Assert.True(logLikelihoods.Max() - logLikelihoods.Min() > 1.5, "the model is still nearly uniform");

        // Pearson's test on the 9 values of each pixel (its two channels jointly): the first pixel checks the order
        // within a pixel, the second the dependence on the pixel before it.
        var samples = model.Sample(draws, seed: 5);
        var probabilities = logLikelihoods.Select(Math.Exp).ToArray();
        for (int pixel = 0; pixel < 2; pixel++)
        {
            var counts = new int[k * k];
            foreach (var s in samples) counts[(int)(s[2 * pixel] + k * s[2 * pixel + 1])]++;
            var expected = new double[k * k];
            for (int v = 0; v < all.Length; v++) expected[(int)(all[v][2 * pixel] + k * all[v][2 * pixel + 1])] += probabilities[v];
            SamplingTests.AssertChiSquareFits(counts, expected, draws);
        }
    }
}
