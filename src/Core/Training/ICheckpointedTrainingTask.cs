using ArML.Persistence;

namespace ArML.Training;

/// <summary>
/// A training task with state of its own that a resumed run must get back, beyond what <see cref="TrainingLoop"/>
/// checkpoints for every task (weights, optimizer, <see cref="TrainingRandom"/>, <see cref="TrainingState"/>): for
/// example the hidden state and stream positions of truncated back-propagation through time.
/// </summary>
internal interface ICheckpointedTrainingTask : ITrainingTask
{
    /// <summary>Copies of the task's state, by name, to store with a checkpoint.</summary>
    IReadOnlyList<KeyValuePair<string, TensorData>> CaptureState();

    /// <summary>Puts back a state that <see cref="CaptureState"/> returned.</summary>
    /// <exception cref="ArmlModelFormatException">The state is incomplete or does not fit this task.</exception>
    void RestoreState(IReadOnlyDictionary<string, TensorData> state);
}
