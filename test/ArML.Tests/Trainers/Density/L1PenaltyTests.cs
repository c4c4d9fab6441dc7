using ArML.Trainers.Density;
using ArML.Training;
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

    [Fact]
    public void ThePenaltyIsLambdaTimesTheWeightMatrixL1NormPerRowAndLeavesBiasesAlone()
    {
        const double lambda = 0.3;
        var ml = new MLContext(seed: 1);
        var options = new FvsbnOptions();
        var config = options.Config(D);
        var data = DensityData.Read(DensityTestData.Load(ml, DensityTestData.MarkovChain(50, D, seed: 2), D), options.FeatureColumnName,
            options.Distribution, ConditionalDistribution.Create(config), D);
        using var network = AutoregressiveNetwork.Create(config, seed: 1);
        var weight = network.named_parameters().Single(p => p.name == "weight").parameter;
        var bias = network.named_parameters().Single(p => p.name == "bias").parameter;
        using (no_grad())
        {
            // Non-zero biases: at zero, |b| would have no gradient and a penalized bias would go unnoticed.
            weight.copy_(randn(weight.shape, generator: manual_seed(5)));
            bias.copy_(randn(bias.shape, generator: manual_seed(6)));
        }

        (double Loss, float[] BiasGradient) LossAndBiasGradient(double l1)
        {
            var task = new DensityTrainingTask(network, null, data, null, batch: 16, evaluationBatches: 1, CPU, l1);
            network.zero_grad();
            var (loss, _) = task.TrainingLoss(new TrainingRandom(7));
            loss.backward();
            return (loss.item<float>(), bias.grad!.data<float>().ToArray());
        }

        var free = LossAndBiasGradient(0);
        var penalized = LossAndBiasGradient(lambda);
        double l1Norm = weight.abs().sum().item<float>();
        // The loss is in nats per value, so λ·Σ|w| (nats per row) enters divided by the dimension.
        Assert.Equal(lambda * l1Norm / D, penalized.Loss - free.Loss, 1e-4);
        Assert.Equal(free.BiasGradient, penalized.BiasGradient);
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
