using ArML.Torch;
using ArML.Trainers.Density;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers.Density;

public class NadeKernelTests
{
    private static NadeNetwork Network(int dimension, int hidden, OutputDistribution distribution, int seed)
    {
        TorchRuntime.EnsureInitialized();
        torch.manual_seed(seed);
        var config = new DensityModelConfig(DensityModelFamily.Nade, dimension, distribution, 4, 2, [hidden], 1, false, false);
        var network = new NadeNetwork(config);
        using var noGrad = no_grad();
        foreach (var p in network.parameters()) p.copy_(KeptScalar.MulInPlace(randn(p.shape), 0.7));   // every weight matters, biases too
        return network;
    }

    // Binary data at two densities (the kernel skips work between nonzero inputs: long runs of zeros matter),
    // and dense real-valued inputs.
    [Theory]
    [InlineData(OutputDistribution.Bernoulli, 0.5)]
    [InlineData(OutputDistribution.Bernoulli, 0.15)]
    [InlineData(OutputDistribution.Categorical, -1)]
    [InlineData(OutputDistribution.GaussianMixture, -1)]
    public void FusedKernelMatchesTheTensorFormulationInValueAndGradient(OutputDistribution distribution, double onesFraction)
    {
        const int d = 20, b = 6;
        using var network = Network(dimension: d, hidden: 6, distribution, seed: 3);
        var random = new Random(4);
        var values = Enumerable.Range(0, b * d).Select(_ => onesFraction >= 0 ? (random.NextDouble() < onesFraction ? 1f : 0f) : (float)(random.NextDouble() * 4 - 2));
        var features = tensor(values.ToArray(), [b, d]);
        var projection = randn(b, d, network.ParametersPerDimension);   // a loss Σ R ⊙ outputs with random R: all output gradients differ

        var fused = network.Conditionals(features, 0);
        var reference = network.TensorConditionals(features);
        Assert.True(fused.allclose(reference, rtol: 1e-5, atol: 1e-5), "kernel and tensor outputs differ");

        var fusedGradients = Gradients(network, () => (network.Conditionals(features, 0) * projection).sum());
        var referenceGradients = Gradients(network, () => (network.TensorConditionals(features) * projection).sum());
        foreach (var (name, g) in fusedGradients)
        {
            Assert.True(g.abs().max().item<float>() > 1e-3, $"gradient of {name} is zero: the comparison would be vacuous");
            Assert.True(g.allclose(referenceGradients[name], rtol: 1e-4, atol: 1e-5), $"gradient of {name} differs");
        }
    }

    private static Dictionary<string, Tensor> Gradients(nn.Module network, Func<Tensor> loss)
    {
        network.zero_grad();
        loss().backward();
        return network.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
    }
}
