using System.Text.Json.Serialization;

namespace ArML.Trainers.Density;

/// <summary>The distribution of each dimension given the preceding ones.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OutputDistribution>))]
public enum OutputDistribution
{
    /// <summary>Binary data: every value is 0 or 1 (or a Boolean column); one logit per dimension.</summary>
    Bernoulli,

    /// <summary>
    /// Small integers 0 … <c>CategoryCount</c> − 1 (for example 8-bit pixels): a softmax over the values per dimension.
    /// </summary>
    Categorical,

    /// <summary>
    /// Continuous data: a mixture of <c>MixtureComponents</c> Gaussians per dimension. Each dimension is standardized
    /// with the training data's mean and standard deviation inside the model, and the log-likelihood is reported in
    /// the data's own units (the standardization's Jacobian is included).
    /// </summary>
    GaussianMixture,
}
