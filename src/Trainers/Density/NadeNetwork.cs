using ArML.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ArML.Trainers.Density;

/// <summary>
/// Neural autoregressive density estimator (Larochelle &amp; Murray 2011): hᵢ = σ(c + Σ_{j&lt;i} xⱼ·Wⱼ), and the
/// parameters of dimension i are bᵢ + Vᵢ·hᵢ. The input weights are shared across dimensions, so the hidden
/// pre-activation of dimension i + 1 is that of i plus xᵢ·Wᵢ: linear time in D.
/// </summary>
/// <remarks>
/// On the CPU the layer runs as <see cref="NadeFunction"/> (fused loops); on other devices, and as the reference
/// the tests compare it with, as tensors (<see cref="TensorConditionals"/>).
/// </remarks>
internal sealed class NadeNetwork : AutoregressiveNetwork
{
    private readonly Parameter input_weight;
    private readonly Parameter hidden_bias;
    private readonly Parameter output_weight;
    private readonly Parameter output_bias;

    public NadeNetwork(DensityModelConfig config) : base("nade", config)
    {
        int d = config.Dimension, h = config.HiddenSizes[0], p = config.ParametersPerDimension;
        Hidden = h;
        input_weight = Uniform([d, h], d);
        hidden_bias = new Parameter(zeros(h));
        output_weight = Uniform([d * p, h], h);
        output_bias = new Parameter(zeros(d * p));
        register_parameter("input_weight", input_weight);
        register_parameter("hidden_bias", hidden_bias);
        register_parameter("output_weight", output_weight);
        register_parameter("output_bias", output_bias);
    }

    /// <summary>H, the hidden layer's width.</summary>
    public int Hidden { get; }

    public override Tensor Conditionals(Tensor features, int mask)
    {
        if (mask != 0) throw new ArgumentOutOfRangeException(nameof(mask), "NADE has one ordering (mask 0).");
        if (features.device_type == DeviceType.CPU && features.dtype == ScalarType.Float32)
            return NadeFunction.apply(features, input_weight, hidden_bias, output_weight, output_bias);
        return TensorConditionals(features);
    }

    /// <summary>The same layer as tensor operations: a (B, D, H) exclusive cumulative sum of the inputs' contributions.</summary>
    public Tensor TensorConditionals(Tensor features)
    {
        long b = features.shape[0];
        var contributions = features.unsqueeze(2) * input_weight;                       // (B, D, H): xᵢ·Wᵢ
        // Exclusive prefix sum by shifting (not cumsum − own term, whose rounding would leak xᵢ into output i).
        var shifted = cat([zeros(b, 1, Hidden, dtype: features.dtype, device: features.device),
            contributions.narrow(1, 0, Dimension - 1)], 1);
        var preActivation = KeptScalar.Add(shifted.cumsum(1), hidden_bias);                        // c + Σ_{j<i} xⱼ·Wⱼ
        var hidden = preActivation.sigmoid();                                           // (B, D, H)
        var v = output_weight.view(Dimension, ParametersPerDimension, Hidden);          // (D, P, H)
        return KeptScalar.Add(einsum("bdh,dph->bdp", hidden, v), output_bias.view(Dimension, ParametersPerDimension));
    }

    public override void SetOutputBias(float[] bias) => CopyInto(output_bias, bias);
}
