using ArML.Torch;
using ArML.Trainers.Density;
using ArML.Trainers.PixelCnn;
using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers.PixelCnn;

/// <summary>Small, fast PixelCNN configurations for the tests.</summary>
public static class PixelCnnTestModels
{
    public static PixelCnnOptions Options(int height, int width, int channels = 1, int iterations = 60) => new()
    {
        Height = height, Width = width, Channels = channels, Layers = 2, Filters = 8, OutputHiddenSize = 16, FirstKernelSize = 5,
        MaxIterations = iterations, BatchSize = 32, LearningRate = 2e-2, WarmupIterations = 5, EvaluationInterval = Math.Max(1, iterations), Seed = 3,
    };

    public static DensityTransformer Fit(MLContext ml, PixelCnnOptions options, IDataView data) => ml.DensityEstimation().Trainers.PixelCnn(options).Fit(data);

    /// <summary>
    /// An untrained network in float64 with every parameter drawn from N(0, 1), so that every connection the
    /// architecture allows makes a visible difference and none is hidden by float32 rounding.
    /// </summary>
    internal static AutoregressiveNetwork RandomNetwork(PixelCnnConfig shape, OutputDistribution distribution = OutputDistribution.Bernoulli, int categories = 2)
    {
        TorchRuntime.EnsureInitialized();
        torch.manual_seed(13);
        var config = new DensityModelConfig(DensityModelFamily.PixelCnn, (int)shape.Values, distribution, categories, 1, [], 1, false, false, shape);
        var network = AutoregressiveNetwork.Create(config, seed: 0);
        using (no_grad())
            foreach (var p in network.parameters()) p.copy_(randn(p.shape));
        network.to(ScalarType.Float64);
        return network;
    }

    /// <summary>Outputs (D, P) of <paramref name="network"/> for one vector, in float64.</summary>
    internal static double[][] Outputs(AutoregressiveNetwork network, double[] x)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var result = network.Conditionals(tensor(x, [1, x.Length]), 0)[0].contiguous();
        return Enumerable.Range(0, x.Length).Select(i => result[i].data<double>().ToArray()).ToArray();
    }
}
