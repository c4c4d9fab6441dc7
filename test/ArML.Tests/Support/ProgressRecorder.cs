using ArML.Training;

namespace ArML.Tests.Support;

/// <summary>Calls back synchronously on every training report (<see cref="Progress{T}"/> would post to the thread pool).</summary>
public sealed class ProgressRecorder(Action<TrainingProgress> onReport) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => onReport(value);
}
