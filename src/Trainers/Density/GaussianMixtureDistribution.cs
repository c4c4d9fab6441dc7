using ArML.Torch;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ArML.Trainers.Density;

/// <summary>
/// A mixture of M Gaussians per dimension: 3M network outputs, laid out as M mixture logits, M means and M log
/// standard deviations. Values are standardized, so the components start spread over [−1.5, 1.5].
/// </summary>
internal sealed class GaussianMixtureDistribution(int components) : ConditionalDistribution
{
    // Keeps a component from collapsing onto one training value (an unbounded likelihood) or exploding.
    private const float MinLogScale = -7f, MaxLogScale = 5f;
    private static readonly double HalfLogTwoPi = 0.5 * Math.Log(2 * Math.PI);

    public override int ParametersPerDimension => 3 * components;

    public override string? Problem(float value) => float.IsFinite(value) ? null : "a continuous dimension holds a finite number";

    public override Tensor LogProbability(Tensor parameters, Tensor values)
    {
        var logits = parameters[TensorIndex.Ellipsis, TensorIndex.Slice(0, components)];
        var means = parameters[TensorIndex.Ellipsis, TensorIndex.Slice(components, 2 * components)];
        var logScales = KeptScalar.Clamp(parameters[TensorIndex.Ellipsis, TensorIndex.Slice(2 * components, 3 * components)],
            MinLogScale, MaxLogScale);
        var z = (values.unsqueeze(-1) - means) * (-logScales).exp();                                     // (B, D, M)
        var componentLogDensity = KeptScalar.Sub(KeptScalar.Mul(z * z, -0.5) - logScales, HalfLogTwoPi);   // −z²/2 − log σ − log √(2π)
        return KeptScalar.Add(F.log_softmax(logits, -1), componentLogDensity).logsumexp(-1);
    }

    public override float Sample(ReadOnlySpan<float> parameters, Random random)
    {
        var logits = parameters[..components];
        float max = float.NegativeInfinity;
        foreach (float l in logits) max = Math.Max(max, l);
        double total = 0;
        foreach (float l in logits) total += Math.Exp(l - max);
        double u = random.NextDouble() * total;
        int k = 0;
        for (; k < components - 1; k++)
        {
            u -= Math.Exp(logits[k] - max);
            if (u <= 0) break;
        }
        double scale = Math.Exp(Math.Clamp(parameters[2 * components + k], MinLogScale, MaxLogScale));
        // Box–Muller: one standard normal from two uniforms.
        double normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        return (float)(parameters[components + k] + scale * normal);
    }

    public override float[] InitialBias(DensityData data)
    {
        int p = ParametersPerDimension;
        var bias = new float[data.Dimension * p];
        for (int d = 0; d < data.Dimension; d++)
            for (int m = 0; m < components; m++)
            {
                bias[d * p + components + m] = components == 1 ? 0f : -1.5f + 3f * m / (components - 1);
                bias[d * p + 2 * components + m] = components == 1 ? 0f : MathF.Log(0.5f);
            }
        return bias;
    }
}
