using ArML.Trainers.Density;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Trainers.Density;

/// <summary>
/// Trained on a Markov chain of exactly known entropy H, every model's test negative log-likelihood must come close
/// to H from above: Gibbs' inequality forbids a correctly normalized model to beat H beyond sampling noise.
/// </summary>
public class KnownEntropyTests
{
    [Theory]
    [MemberData(nameof(FamilyNames))]
    public void HeldOutNegativeLogLikelihoodApproachesTheSourceEntropy(string family)
    {
        const int d = 12, testRows = 3000;
        var ml = new MLContext(seed: 1);
        var options = DensityTrainers.Options(family, iterations: 200);
        using var model = DensityTrainers.Fit(ml, options, DensityTestData.Load(ml, DensityTestData.MarkovChain(3000, d, seed: 1), d));
        var scored = model.Transform(DensityTestData.Load(ml, DensityTestData.MarkovChain(testRows, d, seed: 2), d));

        var metrics = ml.LanguageModeling().Evaluate(scored);
        double entropy = DensityTestData.MarkovChainEntropy(d);
        Assert.Equal(testRows, metrics.RowCount);
        Assert.Equal((long)testRows * d, metrics.TokenCount);
        Assert.Equal(-DensityTestData.Scores(scored).LogLikelihood.Sum(), metrics.NegativeLogLikelihood, 1e-6);
        // The standard error of the mean NLL over 3000 rows is about 0.04 nats.
        Assert.InRange(metrics.NegativeLogLikelihoodPerRow, entropy - 0.12, entropy + 0.3);
    }

    [Fact]
    public void AveragingOverMasksIsTheMeanProbabilityOfTheMasks()
    {
        const int d = 6;
        var ml = new MLContext(seed: 1);
        using var model = DensityTrainers.Fit(ml, DensityTrainers.Options("made-masks"), DensityTestData.Load(ml, DensityTestData.MarkovChain(300, d, seed: 1), d));
        var rows = DensityTestData.MarkovChain(20, d, seed: 4);
        var scores = DensityTestData.Scores(model.Transform(DensityTestData.Load(ml, rows, d))).LogLikelihood;

        // Independently: each mask's per-dimension logits, turned into Bernoulli probabilities here in double precision.
        int masks = model.Model.Config.MaskCount;
        Assert.Equal(3, masks);
        var flat = rows.SelectMany(r => r).ToArray();
        var perMask = Enumerable.Range(0, masks).Select(m => model.Model.ModelSpaceConditionals(flat, rows.Length, m)).ToArray();
        for (int r = 0; r < rows.Length; r++)
        {
            double mean = 0;
            var logs = new double[masks];
            for (int m = 0; m < masks; m++)
            {
                double log = 0;
                for (int i = 0; i < d; i++)
                {
                    double p = 1 / (1 + Math.Exp(-perMask[m][r * d + i]));
                    log += Math.Log(rows[r][i] == 1 ? p : 1 - p);
                }
                logs[m] = log;
                mean += Math.Exp(log) / masks;
            }
            Assert.Equal(Math.Log(mean), scores[r], 1e-4);
            Assert.True(logs.Max() - logs.Min() > 1e-3, "the masks agree: the average is not tested");
        }
    }

    [Fact]
    public void GaussianMixtureLikelihoodIsInTheDataUnits()
    {
        // The same data in units 8× larger (a power of two: every float operation scales exactly): the
        // standardization absorbs the scale, so the trained networks are identical and every log-density drops by
        // exactly D·ln 8, the Jacobian.
        const int d = 3;
        var random = new Random(1);
        var rows = Enumerable.Range(0, 300).Select(_ => { float a = (float)random.NextDouble(); return new[] { a, a * a + 0.1f * (float)random.NextDouble(), 5 - a }; }).ToArray();
        var scaled = rows.Select(r => r.Select(v => v * 8).ToArray()).ToArray();
        var options = () =>
        {
            var o = DensityTrainers.Options("made", iterations: 40);
            o.Distribution = OutputDistribution.GaussianMixture;
            o.MixtureComponents = 2;
            return o;
        };
        var ml = new MLContext(seed: 1);
        using var small = DensityTrainers.Fit(ml, options(), DensityTestData.Load(ml, rows, d));
        using var large = DensityTrainers.Fit(ml, options(), DensityTestData.Load(ml, scaled, d));
        var a = DensityTestData.Scores(small.Transform(DensityTestData.Load(ml, rows[..20], d))).LogLikelihood;
        var b = DensityTestData.Scores(large.Transform(DensityTestData.Load(ml, scaled[..20], d))).LogLikelihood;
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i] - d * Math.Log(8), b[i], 1e-6);
    }

    public static TheoryData<string> FamilyNames => new(DensityTrainers.Families);
}
