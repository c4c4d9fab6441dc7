using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ArML.Trainers.Density;

/// <summary>
/// Fully visible sigmoid belief network: the parameters of dimension i are an affine function of x₍&lt;ᵢ₎, i.e. one
/// logistic regression (softmax or mixture regression for other distributions) per dimension, as one masked
/// linear layer: (B, D) → (B, D·P) with weight[i·P + k, j] used only for j &lt; i.
/// </summary>
internal sealed class FvsbnNetwork : AutoregressiveNetwork
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly Tensor visible;

    public FvsbnNetwork(DensityModelConfig config) : base("fvsbn", config)
    {
        int d = config.Dimension, p = config.ParametersPerDimension;
        // A convex model: starting from zero weights (the marginals, once the bias is set) is the natural origin.
        weight = new Parameter(zeros(d * p, d));
        bias = new Parameter(zeros(d * p));
        // row (i, k) sees column j iff j < i; not saved: it follows from the shape.
        var strictlyLower = ones(d, d).tril(-1);
        visible = strictlyLower.repeat_interleave(p, dim: 0);
        register_parameter("weight", weight);
        register_parameter("bias", bias);
        register_buffer("visible", visible, persistent: false);
    }

    public override Tensor Conditionals(Tensor features, int mask)
    {
        if (mask != 0) throw new ArgumentOutOfRangeException(nameof(mask), "FVSBN has one ordering (mask 0).");
        return F.linear(features, weight * visible, bias).view(features.shape[0], Dimension, ParametersPerDimension);
    }

    public override void SetOutputBias(float[] bias) => CopyInto(this.bias, bias);
}
