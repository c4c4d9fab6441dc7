using ArML.Trainers.Density;
using Microsoft.ML;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers.Density;

/// <summary>The L1 penalty drives FVSBN's weights on irrelevant inputs to zero and keeps the relevant ones.</summary>
public class L1PenaltyTests
{
    private const int D = 8;

    // A Markov chain: dimension i depends on i − 1 only, so every other earlier input is irrelevant.
    private static (double Adjacent, double Irrelevant) Weights(double l1Penalty)
    {
        var ml = new MLContext(seed: 1);
        var options = DensityTrainers.Options("fvsbn", iterations: 300);
        options.L1Penalty = l1Penalty;
        using var model = DensityTrainers.Fit(ml, options, DensityTestData.Load(ml, DensityTestData.MarkovChain(300, D, seed: 4), D));
        var weight = model.Model.Network.named_parameters().Single(p => p.name == "weight").parameter;
        using var noGrad = no_grad();
        var w = weight.cpu().data<float>().ToArray();   // (D, D), row i: the regression of dimension i
        double adjacent = 0, irrelevant = 0;
        for (int i = 1; i < D; i++)
        {
            adjacent += Math.Abs(w[i * D + i - 1]) / (D - 1);
            for (int j = 0; j < i - 1; j++) irrelevant += Math.Abs(w[i * D + j]);
        }
        return (adjacent, irrelevant);
    }

    [Fact]
    public void APenaltyShrinksIrrelevantWeightsAndKeepsTheRelevantOnes()
    {
        var free = Weights(0);
        var penalized = Weights(0.02);
        Assert.True(free.Irrelevant > 0.5, $"unpenalized irrelevant weights {free.Irrelevant}: the data should leave them visibly non-zero");
        Assert.True(penalized.Irrelevant < free.Irrelevant / 4, $"irrelevant |w| {penalized.Irrelevant} with the penalty vs {free.Irrelevant} without");
        Assert.True(penalized.Adjacent > 1.5, $"mean adjacent |w| {penalized.Adjacent} with the penalty (stay probability 0.85: about 3.5 unpenalized, {free.Adjacent})");
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void ANegativeOrNonFinitePenaltyIsRefused(double value)
    {
        var options = new FvsbnOptions { L1Penalty = value };
        var e = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(nameof(DensityTrainerOptions.L1Penalty), e.ParamName);
    }
}
