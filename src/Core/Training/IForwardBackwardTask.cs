namespace ArML.Training;

/// <summary>
/// A training task that can run a micro-batch's forward and backward passes itself (the GPT family splits a batch
/// across threads): <see cref="TrainingLoop"/> asks it first and falls back to <see cref="ITrainingTask.TrainingLoss"/>.
/// </summary>
internal interface IForwardBackwardTask
{
    /// <summary>
    /// Draws one micro-batch with <paramref name="random"/> (as <see cref="ITrainingTask.TrainingLoss"/> would) and adds
    /// the gradients of <paramref name="lossScale"/> × its mean loss into the parameters' gradients; false, with
    /// nothing drawn, where the task does not do it itself.
    /// </summary>
    bool TryForwardBackward(TrainingRandom random, double lossScale, out double loss, out long tokens);

    /// <summary>The threads the task's passes run on, once it has run one; the optimizer divides its work over them.</summary>
    IThreadShards? Shards { get; }
}
