using static TorchSharp.torch;

namespace ArML.Trainers.Density;

/// <summary>
/// The family of p(xᵢ | x₍&lt;ᵢ₎) shared by every dimension: how many network outputs parameterize it, its log-density,
/// how to draw from it, which values it can hold, and how a value is fed back to the network as an input.
/// </summary>
/// <remarks>Values here are in model space: Bernoulli 0/1, categories 0 … K − 1, standardized continuous values.</remarks>
internal abstract class ConditionalDistribution
{
    /// <summary>Network outputs per dimension.</summary>
    public abstract int ParametersPerDimension { get; }

    /// <summary>Factor turning a value into the network's input (keeps every input within about [−3, 3]).</summary>
    public virtual float FeatureScale => 1f;

    /// <summary>Why <paramref name="value"/> is outside the support, or null when it is a valid value.</summary>
    public abstract string? Problem(float value);

    /// <summary>log p(values) per dimension: parameters (B, D, P) and values (B, D) give (B, D).</summary>
    public abstract Tensor LogProbability(Tensor parameters, Tensor values);

    /// <summary>Draws one value from the distribution that <paramref name="parameters"/> (P numbers) describe.</summary>
    public abstract float Sample(ReadOnlySpan<float> parameters, Random random);

    /// <summary>
    /// Output biases (D × P, dimension-major) to start training from: the data's marginals where they help, so that
    /// the first steps need not learn them.
    /// </summary>
    public abstract float[] InitialBias(DensityData data);

    /// <summary>The distribution <paramref name="config"/> names.</summary>
    public static ConditionalDistribution Create(DensityModelConfig config) => config.Distribution switch
    {
        OutputDistribution.Bernoulli => new BernoulliDistribution(),
        OutputDistribution.Categorical => new CategoricalDistribution(config.CategoryCount),
        OutputDistribution.GaussianMixture => new GaussianMixtureDistribution(config.MixtureComponents),
        var other => throw new ArgumentOutOfRangeException(nameof(config), $"Unknown output distribution {other}."),
    };
}
