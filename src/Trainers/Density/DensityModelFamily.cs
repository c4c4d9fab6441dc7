using System.Text.Json.Serialization;

namespace ArML.Trainers.Density;

/// <summary>The autoregressive network that computes each dimension's conditional distribution.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DensityModelFamily>))]
public enum DensityModelFamily
{
    /// <summary>Fully visible sigmoid belief network: one logistic (or softmax) regression per dimension on the preceding ones.</summary>
    Fvsbn,

    /// <summary>Neural autoregressive density estimator: one hidden layer whose weights are shared across dimensions.</summary>
    Nade,

    /// <summary>Masked autoencoder for distribution estimation: a masked feed-forward network, one or more orderings.</summary>
    Made,

    /// <summary>Gated PixelCNN: masked convolutions over a vector read as an image, with vertical and horizontal stacks.</summary>
    PixelCnn,
}
