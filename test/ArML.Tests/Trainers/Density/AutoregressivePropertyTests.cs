using ArML.Torch;
using ArML.Trainers.Density;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers.Density;

/// <summary>
/// The autoregressive property by perturbation: for every mask and every position k of its ordering, changing the
/// inputs at positions k, k + 1, … never changes the outputs at positions 0 … k.
/// </summary>
public class AutoregressivePropertyTests
{
    public static TheoryData<string> Networks => ["fvsbn", "nade", "nade-tensors", "made", "made-orderings-direct-2-layers", "made-categorical", "fvsbn-mixture"];

    private static (AutoregressiveNetwork Network, Func<Tensor, int, Tensor> Outputs) Create(string name)
    {
        TorchRuntime.EnsureInitialized();
        torch.manual_seed(11);
        const int d = 7;
        var bernoulli = new DensityModelConfig(DensityModelFamily.Made, d, OutputDistribution.Bernoulli, 2, 1, [12], 4, false, false);
        var config = name switch
        {
            "fvsbn" => bernoulli with { Family = DensityModelFamily.Fvsbn, HiddenSizes = [], MaskCount = 1 },
            "fvsbn-mixture" => bernoulli with { Family = DensityModelFamily.Fvsbn, HiddenSizes = [], MaskCount = 1, Distribution = OutputDistribution.GaussianMixture, MixtureComponents = 2 },
            "nade" or "nade-tensors" => bernoulli with { Family = DensityModelFamily.Nade, HiddenSizes = [5], MaskCount = 1 },
            "made" => bernoulli,
            "made-orderings-direct-2-layers" => bernoulli with { HiddenSizes = [10, 9], ResampleOrderings = true, DirectConnections = true, MaskCount = 5 },
            "made-categorical" => bernoulli with { Distribution = OutputDistribution.Categorical, CategoryCount = 3, ResampleOrderings = true },
            _ => throw new ArgumentException(name),
        };
        var network = AutoregressiveNetwork.Create(config, seed: 5);
        using (no_grad())
            foreach (var p in network.parameters()) p.copy_(randn(p.shape));   // FVSBN starts at zero weights: make every connection count
        if (name == "nade-tensors") return (network, (x, _) => ((NadeNetwork)network).TensorConditionals(x));
        return (network, network.Conditionals);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void OutputsNeverDependOnInputsAtOrAfterTheirPosition(string name)
    {
        var (network, outputs) = Create(name);
        using var _ = network;
        using var noGrad = no_grad();
        var random = new Random(2);
        int d = network.Dimension;
        int dependencies = 0;
        Assert.Equal(name.StartsWith("made", StringComparison.Ordinal) ? network.Config.MaskCount : 1, network.MaskCount);
        for (int mask = 0; mask < network.MaskCount; mask++)
        {
            var order = network.Ordering(mask);
            Assert.Equal(Enumerable.Range(0, d), order.Order());
            for (int trial = 0; trial < 3; trial++)
            {
                var x = Enumerable.Range(0, d).Select(_ => (float)random.Next(3)).ToArray();
                var before = Outputs(outputs, x, mask, d);
                for (int k = 0; k < d; k++)
                {
                    var perturbed = (float[])x.Clone();
                    for (int position = k; position < d; position++) perturbed[order[position]] += 1 + random.Next(2);
                    var after = Outputs(outputs, perturbed, mask, d);
                    for (int position = 0; position <= k; position++)
                        Assert.True(before[order[position]].SequenceEqual(after[order[position]]),
                            $"{name}, mask {mask}: the output at position {position} (dimension {order[position]}) changed when inputs from position {k} on changed.");
                    for (int position = k + 1; position < d; position++)
                        if (!before[order[position]].SequenceEqual(after[order[position]])) dependencies++;
                }
            }
        }
        // The check above would pass for a network that ignores its inputs: make sure later outputs do depend on earlier inputs.
        Assert.True(dependencies > network.MaskCount * 3 * d, $"{name}: only {dependencies} outputs depended on earlier inputs.");
    }

    [Fact]
    public void MadeMasksDifferAndOrderingsAreResampledOnlyWhenAsked()
    {
        TorchRuntime.EnsureInitialized();
        var config = new DensityModelConfig(DensityModelFamily.Made, 10, OutputDistribution.Bernoulli, 2, 1, [16], 4, false, false);
        using var natural = AutoregressiveNetwork.Create(config, seed: 1);
        using var shuffled = AutoregressiveNetwork.Create(config with { ResampleOrderings = true }, seed: 1);
        for (int m = 0; m < 4; m++) Assert.Equal(Enumerable.Range(0, 10), natural.Ordering(m));
        Assert.Equal(4, Enumerable.Range(0, 4).Select(m => string.Join(",", shuffled.Ordering(m))).Distinct().Count());
        // Natural-order masks still differ in their hidden connectivity.
        var degrees = natural.state_dict()["hidden_degrees_0"];
        Assert.False(degrees[0].eq(degrees[1]).all().item<bool>());
    }

    private static float[][] Outputs(Func<Tensor, int, Tensor> outputs, float[] x, int mask, int d)
    {
        using var scope = NewDisposeScope();
        var result = outputs(tensor(x, [1, d]), mask)[0].contiguous();       // (D, P)
        return Enumerable.Range(0, d).Select(i => result[i].data<float>().ToArray()).ToArray();
    }
}
