namespace ArML.Trainers;

/// <summary>How training examples are cut from the data.</summary>
public enum BatchLayout
{
    /// <summary>Random context windows over the concatenation of all rows, separated by the end-of-row id (nanoGPT).</summary>
    RandomWindows,
    /// <summary>
    /// One row per example, from its start: rows shorter than the context are padded and the padding is masked out of
    /// the loss; longer rows are cut at the context length. Required with a condition column.
    /// </summary>
    RowAligned,
}
