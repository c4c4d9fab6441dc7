using ArML.Training;

namespace ArML.Examples.PretrainedGpt2;

/// <summary>
/// Writes each training report as a line at once, on the training thread (<see cref="Progress{T}"/> would post them to
/// the thread pool, where lines can arrive after the run's summary).
/// </summary>
public sealed class LineProgress(TextWriter output) : IProgress<TrainingProgress>
{
    /// <inheritdoc/>
    public void Report(TrainingProgress value) => output.WriteLine("  " + value);
}
