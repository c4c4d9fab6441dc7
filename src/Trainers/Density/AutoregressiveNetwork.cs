using ArML.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Trainers.Density;

/// <summary>
/// A network that maps a vector's features (B, D) to the parameters (B, D, P) of every dimension's conditional
/// distribution, where the parameters of dimension i depend only on the dimensions before i in the ordering of the
/// mask in use. FVSBN and NADE have one fixed ordering; MADE has <see cref="MaskCount"/> orderings/connectivities.
/// </summary>
internal abstract class AutoregressiveNetwork : nn.Module
{
    protected AutoregressiveNetwork(string name, DensityModelConfig config) : base(name) => Config = config;

    /// <summary>The network's shape.</summary>
    public DensityModelConfig Config { get; }

    /// <summary>D.</summary>
    public int Dimension => Config.Dimension;

    /// <summary>P, outputs per dimension.</summary>
    public int ParametersPerDimension => Config.ParametersPerDimension;

    /// <summary>Masks (orderings/connectivities) the network was trained with; test-time likelihoods average over them.</summary>
    public virtual int MaskCount => 1;

    /// <summary>The dimensions in the order mask <paramref name="mask"/> generates them.</summary>
    public virtual int[] Ordering(int mask) => Enumerable.Range(0, Dimension).ToArray();

    /// <summary>Floats per row in the largest intermediate tensor of <see cref="Conditionals"/>; bounds the rows of one pass.</summary>
    public virtual long ActivationsPerRow => (long)Dimension * ParametersPerDimension;

    /// <summary>
    /// Type of the activations and products of <see cref="Conditionals"/>: Float32 (the weights' own), or BFloat16 for a
    /// network that supports mixed precision (the trainer sets it for training only; scoring and sampling use Float32).
    /// </summary>
    public virtual ScalarType ComputeType
    {
        get => ScalarType.Float32;
        set
        {
            if (value != ScalarType.Float32) throw new ArgumentOutOfRangeException(nameof(value), $"A {Config.Family} network computes in Float32 only.");
        }
    }

    /// <summary>Parameters (B, D, P) of every dimension's conditional given <paramref name="features"/> (B, D), through mask <paramref name="mask"/>.</summary>
    public abstract Tensor Conditionals(Tensor features, int mask);

    /// <summary>Sets the output biases (D·P values, dimension-major), e.g. to the data's marginals.</summary>
    public abstract void SetOutputBias(float[] bias);

    /// <summary>
    /// Builds a randomly initialised network (seed libtorch first); <paramref name="seed"/> draws MADE's orderings
    /// and connectivities.
    /// </summary>
    public static AutoregressiveNetwork Create(DensityModelConfig config, long seed) => config.Family switch
    {
        DensityModelFamily.Fvsbn => new FvsbnNetwork(config),
        DensityModelFamily.Nade => new NadeNetwork(config),
        DensityModelFamily.Made => new MadeNetwork(config, seed),
        DensityModelFamily.PixelCnn => new PixelCnn.PixelCnnNetwork(config),
        var other => throw new ArgumentOutOfRangeException(nameof(config), $"Unknown model family {other}."),
    };

    /// <summary>A parameter drawn uniformly from ±1/√fanIn, as <c>nn.Linear</c> initialises its weights.</summary>
    protected static TorchSharp.Modules.Parameter Uniform(long[] shape, long fanIn)
    {
        double bound = 1 / Math.Sqrt(Math.Max(1, fanIn));
        using var unit = rand(shape);
        return new TorchSharp.Modules.Parameter(KeptScalar.SubInPlace(KeptScalar.Mul(unit, 2 * bound), bound));
    }

    /// <summary>Copies <paramref name="values"/> into <paramref name="target"/> (same number of elements).</summary>
    protected static void CopyInto(Tensor target, float[] values)
    {
        if (values.Length != target.numel())
            throw new ArgumentException($"Expected {target.numel()} values, got {values.Length}.", nameof(values));
        using var noGrad = no_grad();
        using var source = tensor(values, target.shape);
        target.copy_(source);
    }
}
