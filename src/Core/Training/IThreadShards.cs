namespace ArML.Training;

/// <summary>
/// A fixed set of threads, each with its own libtorch thread count, that a step's element-wise work can be divided
/// over (the GPT family's batch halves run on them): one call of the work per thread, returning when all have ended.
/// </summary>
internal interface IThreadShards
{
    /// <summary>The number of threads.</summary>
    int Count { get; }

    /// <summary>Runs <paramref name="work"/>(k) on thread k for every k at once; rethrows the first failure.</summary>
    void Run(Action<int> work);
}
