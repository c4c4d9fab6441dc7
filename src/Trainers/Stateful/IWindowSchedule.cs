using ArML.Training;

namespace ArML.Trainers.Stateful;

/// <summary>
/// Where the windows of truncated back-propagation through time come from, in order: the training cursor (saved in
/// checkpoints) and a fixed sweep for validation.
/// </summary>
internal interface IWindowSchedule
{
    /// <summary>Predicted positions in one pass over the data.</summary>
    long TokensPerEpoch { get; }

    /// <summary>Predicted positions of a typical window (for the learning-rate schedule's horizon).</summary>
    long TokensPerWindow { get; }

    /// <summary>The cursor, for a checkpoint.</summary>
    long[] Cursor { get; set; }

    /// <summary>The next training window; advances the cursor.</summary>
    TrainingWindow Next(TrainingRandom random);

    /// <summary>The validation windows: the same ones, in the same order, at every call.</summary>
    IEnumerable<TrainingWindow> Sweep(int maxWindows);
}
