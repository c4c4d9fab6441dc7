namespace ArML.Trainers.Generation;

/// <summary>How a decoder computes each step.</summary>
public enum StepDecoderMode
{
    /// <summary>Incrementally: each step costs one position's work (GPT: keys and values are cached per layer).</summary>
    Cached,

    /// <summary>
    /// By recomputing every step from the row's whole window: slow, kept as the reference the cached decoder is
    /// checked against and as the baseline of the decoding benchmark.
    /// </summary>
    Recompute,
}
