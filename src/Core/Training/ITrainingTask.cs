using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Training;

/// <summary>
/// What <see cref="TrainingLoop"/> needs from a model family: the network, how to draw a training batch and
/// compute its loss, and how to measure validation loss. Families stay thin; the loop is shared.
/// </summary>
internal interface ITrainingTask
{
    /// <summary>The network being trained.</summary>
    nn.Module Model { get; }

    /// <summary>Predicted positions in one pass over the training data (for <c>MaxEpochs</c>).</summary>
    long TokensPerEpoch { get; }

    /// <summary>Whether weight decay applies to a parameter (matrices of the network, not biases, norms or embeddings).</summary>
    bool DecaysWeight(string parameterName, Tensor parameter);

    /// <summary>
    /// Draws one micro-batch with <paramref name="random"/> and returns its mean loss per predicted position (a scalar
    /// attached to the autograd graph) and the number of predicted positions it covers.
    /// </summary>
    (Tensor Loss, long Tokens) TrainingLoss(TrainingRandom random);

    /// <summary>Mean validation loss over the same seeded batches at every call; null without validation data.</summary>
    double? ValidationLoss();
}
