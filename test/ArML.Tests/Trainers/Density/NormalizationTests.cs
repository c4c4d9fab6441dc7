using ArML.Trainers.Density;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Trainers.Density;

/// <summary>
/// Exact normalisation: the probabilities the transformer reports for every possible vector sum to 1 (discrete
/// data), and the density integrates to 1 (continuous data, numerically).
/// </summary>
public class NormalizationTests
{
    [Theory]
    [MemberData(nameof(FamilyNames))]
    public void ProbabilitiesOfAllBinaryVectorsSumToOne(string family)
    {
        const int d = 10;
        var ml = new MLContext(seed: 1);
        using var model = DensityTrainers.Fit(ml, DensityTrainers.Options(family), DensityTestData.Load(ml, DensityTestData.MarkovChain(400, d, seed: 1), d));
        var scores = DensityTestData.Scores(model.Transform(DensityTestData.Load(ml, DensityTestData.AllBinaryVectors(d), d)));

        Assert.Equal(1 << d, scores.LogLikelihood.Length);
        Assert.All(scores.TokenCount, c => Assert.Equal(d, c));
        Assert.Equal(1.0, scores.LogLikelihood.Sum(Math.Exp), 1e-4);
        // Not the uniform distribution (which would sum to 1 trivially): training moved mass to the chain's likely vectors.
        Assert.True(scores.LogLikelihood.Max() - scores.LogLikelihood.Min() > 3, "the model is still nearly uniform");
    }

    [Theory]
    [InlineData("fvsbn")]
    [InlineData("nade")]
    [InlineData("made-masks")]
    public void CategoricalProbabilitiesOfAllVectorsSumToOne(string family)
    {
        const int d = 4, k = 3;
        var ml = new MLContext(seed: 1);
        var random = new Random(3);
        // Each value is the previous one plus 0 or 1, modulo 3: strong dependence between neighbours.
        var rows = Enumerable.Range(0, 300).Select(_ =>
        {
            var x = new float[d];
            x[0] = random.Next(k);
            for (int i = 1; i < d; i++) x[i] = (x[i - 1] + (random.NextDouble() < 0.8 ? 0 : 1)) % k;
            return x;
        }).ToArray();
        var options = DensityTrainers.Options(family, iterations: 200);
        options.Distribution = OutputDistribution.Categorical;
        options.CategoryCount = k;
        using var model = DensityTrainers.Fit(ml, options, DensityTestData.Load(ml, rows, d));

        var all = Enumerable.Range(0, 81).Select(v => Enumerable.Range(0, d).Select(i => (float)(v / (int)Math.Pow(k, i) % k)).ToArray()).ToArray();
        var scores = DensityTestData.Scores(model.Transform(DensityTestData.Load(ml, all, d)));
        Assert.Equal(1.0, scores.LogLikelihood.Sum(Math.Exp), 1e-4);
        Assert.True(scores.LogLikelihood.Max() - scores.LogLikelihood.Min() > 1.5, $"the model is still nearly uniform: {scores.LogLikelihood.Min()} {scores.LogLikelihood.Max()}");
    }

    [Theory]
    [InlineData("fvsbn")]
    [InlineData("nade")]
    [InlineData("made-masks")]
    public void GaussianMixtureDensityIntegratesToOne(string family)
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(5);
        // Two correlated, bimodal dimensions in data units far from standard (mean 40, spread about 3).
        var rows = Enumerable.Range(0, 400).Select(_ =>
        {
            float a = (float)(40 + (random.Next(2) == 0 ? -3 : 3) + 0.7 * Normal(random));
            return new[] { a, (float)(0.5 * a + 20 + 0.8 * Normal(random)) };
        }).ToArray();
        var options = DensityTrainers.Options(family, iterations: 120);
        options.Distribution = OutputDistribution.GaussianMixture;
        options.MixtureComponents = 3;
        using var model = DensityTrainers.Fit(ml, options, DensityTestData.Load(ml, rows, 2));

        // Midpoint rule on a grid covering the data ± 8 standard deviations of each dimension.
        var mean = model.Model.Standardization!.Mean;
        var scale = model.Model.Standardization.Scale;
        const int n = 300;
        double step0 = 16.0 * scale[0] / n, step1 = 16.0 * scale[1] / n;
        var grid = new List<float[]>();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                grid.Add([(float)(mean[0] - 8 * scale[0] + (i + 0.5) * step0), (float)(mean[1] - 8 * scale[1] + (j + 0.5) * step1)]);
        var scores = DensityTestData.Scores(model.Transform(DensityTestData.Load(ml, grid, 2)));
        Assert.Equal(1.0, scores.LogLikelihood.Sum(l => Math.Exp(l)) * step0 * step1, 1e-2);
    }

    public static TheoryData<string> FamilyNames => new(DensityTrainers.Families);

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
