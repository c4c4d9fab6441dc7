using ArML.Tests.Support;
using ArML.Tests.Trainers.Density;
using ArML.Torch;
using ArML.Trainers.Density;
using ArML.Trainers.Gpt;
using ArML.Trainers.PixelCnn;
using Microsoft.ML;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers.PixelCnn;

/// <summary>
/// A PixelCNN computing in bfloat16 (<see cref="AutoregressiveNetwork.ComputeType"/>) against the same weights in
/// float32: the outputs and the float32 master gradients may only move by bfloat16 rounding; training in bfloat16
/// leaves a model that scores in float32.
/// </summary>
public class PixelCnnMixedPrecisionTests
{
    // MNIST's shape (the size at which libtorch's bfloat16 output convolution once returned gradients near 1e35), with
    // few filters so that the test stays fast.
    [Fact]
    public void BFloat16OutputsAndGradientsMatchFloat32WithinBFloat16Rounding()
    {
        TorchRuntime.EnsureInitialized();
        torch.manual_seed(5);
        var shape = new PixelCnnConfig(28, 28, 1, Layers: 3, Filters: 8, FirstKernelSize: 7, KernelSize: 3, OutputHiddenSize: 16);
        var config = new DensityModelConfig(DensityModelFamily.PixelCnn, 784, OutputDistribution.Bernoulli, 2, 1, [], 1, false, false, shape);
        using var network = AutoregressiveNetwork.Create(config, seed: 0);
        var random = new Random(2);
        var images = Enumerable.Range(0, 8 * 784).Select(_ => random.NextDouble() < 0.2 ? 1f : 0f).ToArray();
        var distribution = ConditionalDistribution.Create(config);

        (float[] Logits, Dictionary<string, float[]> Gradients) Run(ScalarType compute)
        {
            network.ComputeType = compute;
            network.zero_grad();
            using var scope = NewDisposeScope();
            var x = tensor(images, [8, 784]);
            var logits = network.Conditionals(x, 0);
            Assert.Equal(ScalarType.Float32, logits.dtype);
            (-distribution.LogProbability(logits, x).mean()).backward();
            var gradients = network.named_parameters().ToDictionary(p => p.name, p =>
            {
                Assert.Equal(ScalarType.Float32, p.parameter.grad!.dtype);
                return p.parameter.grad!.data<float>().ToArray();
            });
            return (logits.detach().contiguous().data<float>().ToArray(), gradients);
        }

        var (exactLogits, exactGradients) = Run(ScalarType.Float32);
        var (mixedLogits, mixedGradients) = Run(ScalarType.BFloat16);
        network.ComputeType = ScalarType.Float32;

        // bfloat16 keeps 8 significant bits (relative rounding 2^-9 per value); through three gated layers the logits
        // (order 1 plus the marginal biases) move by hundredths at most, and not by nothing (bfloat16 really ran).
        double largest = exactLogits.Zip(mixedLogits, (a, b) => Math.Abs(a - b)).Max();
        Assert.InRange(largest, 1e-6, 0.05);
        foreach (var (name, exact) in exactGradients)
            Assert.True(GradientComparison.AssertCloseInDirectionAndNorm(name, exact, mixedGradients[name]), $"{name}: no gradient in float32");
    }

    [Fact]
    public void ANetworkOfAnotherFamilyRefusesBFloat16()
    {
        TorchRuntime.EnsureInitialized();
        var config = new DensityModelConfig(DensityModelFamily.Fvsbn, 4, OutputDistribution.Bernoulli, 2, 1, [], 1, false, false);
        using var network = AutoregressiveNetwork.Create(config, seed: 0);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => network.ComputeType = ScalarType.BFloat16);
        Assert.Contains("Fvsbn", error.Message);
    }

    [Fact]
    public void TrainingInBFloat16LeavesAModelThatScoresInFloat32()
    {
        const int side = 4, d = side * side;
        var ml = new MLContext(seed: 1);
        var data = DensityTestData.Load(ml, DensityTestData.MarkovChain(300, d, seed: 4), d);
        var options = PixelCnnTestModels.Options(side, side, iterations: 40);
        options.Precision = TrainingPrecision.BFloat16;
        using var model = PixelCnnTestModels.Fit(ml, options, data);
        Assert.Equal(ScalarType.Float32, model.Model.Network.ComputeType);

        // The scores are those of the trained weights in float64 (an independent pass over the same network).
        var rows = DensityTestData.MarkovChain(5, d, seed: 9);
        var scored = DensityTestData.Scores(model.Transform(DensityTestData.Load(ml, rows, d))).LogLikelihood;
        var network = model.Model.Network;
        network.to(ScalarType.Float64);
        try
        {
            for (int r = 0; r < rows.Length; r++)
            {
                var x = rows[r].Select(v => (double)v).ToArray();
                var outputs = PixelCnnTestModels.Outputs(network, x);
                double exact = 0;
                for (int i = 0; i < d; i++)
                    exact += x[i] * outputs[i][0] - Math.Log(1 + Math.Exp(outputs[i][0]));   // log σ(l) or log(1 − σ(l))
                Assert.Equal(exact, scored[r], Float32Rounding.RowScore(d, exact, width: 32, vocabularySize: 2));
            }
        }
        finally
        {
            network.to(ScalarType.Float32);
        }
    }
}
