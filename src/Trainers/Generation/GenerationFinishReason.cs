namespace ArML.Trainers.Generation;

/// <summary>Why a generated sequence ended.</summary>
public enum GenerationFinishReason
{
    /// <summary>The model ended the row (it predicted the separator).</summary>
    EndOfRow,

    /// <summary>The sequence produced one of the stop sequences (which the text leaves out).</summary>
    StopSequence,

    /// <summary>It reached <see cref="GenerationOptions.MaxNewTokens"/>.</summary>
    Length,
}
