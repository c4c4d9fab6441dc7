using ArML.Trainers.Density;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Trainers.Density;

/// <summary>Ancestral samples follow the model's own probabilities (which the transformer reports).</summary>
public class SamplingTests
{
    [Theory]
    [MemberData(nameof(FamilyNames))]
    public void BinarySampleFrequenciesMatchTheModel(string family)
    {
        const int d = 3, draws = 20_000;
        var ml = new MLContext(seed: 1);
        using var model = DensityTrainers.Fit(ml, DensityTrainers.Options(family), DensityTestData.Load(ml, DensityTestData.MarkovChain(300, d, seed: 2), d));
        var all = DensityTestData.AllBinaryVectors(d);
        var probabilities = DensityTestData.Scores(model.Transform(DensityTestData.Load(ml, all, d))).LogLikelihood.Select(Math.Exp).ToArray();

        var samples = model.Sample(draws, seed: 7);
        Assert.All(samples, s => Assert.All(s, v => Assert.True(v is 0 or 1)));
        var counts = new int[all.Length];
        foreach (var s in samples) counts[(int)(s[0] + 2 * s[1] + 4 * s[2])]++;
        AssertChiSquareFits(counts, probabilities, draws);
        Assert.True(probabilities.Max() > 2 * probabilities.Min(), "the model is nearly uniform: the comparison would be weak");
    }

    [Fact]
    public void CategoricalSampleFrequenciesMatchTheModel()
    {
        const int d = 2, k = 3, draws = 20_000;
        var ml = new MLContext(seed: 1);
        var random = new Random(1);
        var rows = Enumerable.Range(0, 300).Select(_ => { float a = random.Next(k); return new[] { a, random.NextDouble() < 0.7 ? a : random.Next(k) }; }).ToArray();
        var options = DensityTrainers.Options("made-masks", iterations: 150);
        options.Distribution = OutputDistribution.Categorical;
        options.CategoryCount = k;
        using var model = DensityTrainers.Fit(ml, options, DensityTestData.Load(ml, rows, d));
        var all = Enumerable.Range(0, k * k).Select(v => new[] { (float)(v % k), (float)(v / k) }).ToArray();
        var probabilities = DensityTestData.Scores(model.Transform(DensityTestData.Load(ml, all, d))).LogLikelihood.Select(Math.Exp).ToArray();

        var counts = new int[k * k];
        foreach (var s in model.Sample(draws, seed: 3)) counts[(int)(s[0] + k * s[1])]++;
        AssertChiSquareFits(counts, probabilities, draws);
    }

    [Fact]
    public void GaussianMixtureSamplesHaveTheModelsMoments()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(2);
        var rows = Enumerable.Range(0, 400).Select(_ => new[] { (float)(100 + 5 * (random.Next(2) * 2 - 1) + random.NextDouble()) }).ToArray();
        var options = DensityTrainers.Options("fvsbn", iterations: 150);
        options.Distribution = OutputDistribution.GaussianMixture;
        options.MixtureComponents = 2;
        using var model = DensityTrainers.Fit(ml, options, DensityTestData.Load(ml, rows, 1));
        // The model's mean and second moment, by quadrature of its own density over a wide grid.
        var grid = Enumerable.Range(0, 4000).Select(i => new[] { 70f + i * 0.015f }).ToArray();
        var density = DensityTestData.Scores(model.Transform(DensityTestData.Load(ml, grid, 1))).LogLikelihood.Select(Math.Exp).ToArray();
        double mass = density.Sum() * 0.015;
        double mean = grid.Select((g, i) => g[0] * density[i]).Sum() * 0.015 / mass;
        double variance = grid.Select((g, i) => (g[0] - mean) * (g[0] - mean) * density[i]).Sum() * 0.015 / mass;

        var samples = model.Sample(20_000, seed: 5).Select(s => (double)s[0]).ToArray();
        double sampleMean = samples.Average();
        double sampleVariance = samples.Select(s => (s - sampleMean) * (s - sampleMean)).Average();
        Assert.Equal(1.0, mass, 1e-2);
        Assert.True(Math.Abs(sampleMean - mean) < 4 * Math.Sqrt(variance / samples.Length), $"sample mean {sampleMean}, model mean {mean}");
        Assert.True(Math.Abs(sampleVariance / variance - 1) < 0.05, $"sample variance {sampleVariance}, model variance {variance}");
        Assert.True(variance > 10, "the model did not learn the two modes");
    }

    [Fact]
    public void TheSameSeedGivesTheSameSamples()
    {
        var ml = new MLContext(seed: 1);
        using var model = DensityTrainers.Fit(ml, DensityTrainers.Options("made-masks", iterations: 10), DensityTestData.Load(ml, DensityTestData.MarkovChain(50, 6, seed: 2), 6));
        Assert.Equal(model.Sample(20, seed: 1), model.Sample(20, seed: 1));
        Assert.NotEqual(model.Sample(20, seed: 1), model.Sample(20, seed: 2));
    }

    public static TheoryData<string> FamilyNames => new(DensityTrainers.Families);

    // Pearson's chi-square against the model's probabilities; the critical value is the 0.999 quantile for
    // (cells − 1) degrees of freedom, so a correct sampler fails about once in a thousand seeds (the seed is fixed).
    internal static void AssertChiSquareFits(int[] counts, double[] probabilities, int draws)
    {
        Assert.Equal(1.0, probabilities.Sum(), 1e-4);
        double chi = counts.Select((c, i) => (c - draws * probabilities[i]) * (c - draws * probabilities[i]) / (draws * probabilities[i])).Sum();
        double critical = (counts.Length - 1) switch { 7 => 24.32, 8 => 26.12, _ => throw new ArgumentException("no critical value tabulated") };
        Assert.True(chi < critical, $"chi-square {chi:F2} ≥ {critical} with {counts.Length - 1} degrees of freedom: samples do not follow the model " +
                                    $"(counts {string.Join(",", counts)}, expected {string.Join(",", probabilities.Select(p => (p * draws).ToString("F0")))}).");
    }
}
