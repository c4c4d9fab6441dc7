using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ArML.Trainers.Density;

/// <summary>p(xᵢ = 1) = σ(logitᵢ): one network output per dimension.</summary>
internal sealed class BernoulliDistribution : ConditionalDistribution
{
    public override int ParametersPerDimension => 1;

    public override string? Problem(float value) => value is 0f or 1f ? null : "a Bernoulli dimension holds 0 or 1";

    public override Tensor LogProbability(Tensor parameters, Tensor values) =>
        // −BCE(logit, x) = x·logit − softplus(logit), computed stably by libtorch.
        -F.binary_cross_entropy_with_logits(parameters.squeeze(-1), values, reduction: nn.Reduction.None);

    public override float Sample(ReadOnlySpan<float> parameters, Random random) =>
        random.NextDouble() < 1 / (1 + Math.Exp(-parameters[0])) ? 1f : 0f;

    public override float[] InitialBias(DensityData data)
    {
        var ones = new double[data.Dimension];
        var row = new float[data.Dimension];
        for (int r = 0; r < data.Rows; r++)
        {
            data.CopyRow(r, row);
            for (int d = 0; d < row.Length; d++) ones[d] += row[d];
        }
        // Smoothed so that a pixel that is always 0 in training starts at a finite logit.
        return ones.Select(n => (float)Math.Log((n + 0.5) / (data.Rows - n + 0.5))).ToArray();
    }
}
