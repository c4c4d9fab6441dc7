namespace ArML.Transforms.Text;

/// <summary>What to do with a row that has more tokens than <see cref="TokenizeOptions.MaximumTokenCount"/>.</summary>
public enum TruncationPolicy
{
    /// <summary>Keep the first tokens (and the end-of-sequence token, if any).</summary>
    KeepStart,

    /// <summary>Keep the last tokens (and the begin-of-sequence token, if any).</summary>
    KeepEnd,

    /// <summary>Fail, naming the column and the row.</summary>
    Error,
}

/// <summary>What to do with text outside a closed vocabulary (character, word, or BPE with an unknown token).</summary>
public enum UnknownTokenPolicy
{
    /// <summary>Use the vocabulary's unknown token ("&lt;unk&gt;").</summary>
    MapToUnknown,

    /// <summary>Fail, naming the column and the row.</summary>
    Error,
}

/// <summary>What to do with an unpaired UTF-16 surrogate (text that is not valid Unicode).</summary>
public enum UnpairedSurrogatePolicy
{
    /// <summary>Encode it as U+FFFD, the replacement character (what any UTF-8 encoder, and tiktoken, does).</summary>
    Replace,

    /// <summary>Fail, naming the column, the row and the position.</summary>
    Error,
}

/// <summary>Per-row options of ArML's tokenizer transforms. Null or default values change nothing.</summary>
public sealed class TokenizeOptions
{
    /// <summary>A token of the vocabulary (usually a special token) put before each row's tokens; default null (none).</summary>
    public string? BeginOfSequenceToken { get; set; }

    /// <summary>A token of the vocabulary (e.g. "&lt;|endoftext|&gt;") put after each row's tokens; default null (none).</summary>
    public string? EndOfSequenceToken { get; set; }

    /// <summary>
    /// The most tokens a row may have, counting the begin- and end-of-sequence tokens; default null (no limit).
    /// Longer rows are handled by <see cref="Truncation"/>.
    /// </summary>
    public int? MaximumTokenCount { get; set; }

    /// <summary>How rows longer than <see cref="MaximumTokenCount"/> are shortened; default <see cref="TruncationPolicy.KeepStart"/>.</summary>
    public TruncationPolicy Truncation { get; set; } = TruncationPolicy.KeepStart;

    /// <summary>Text outside a closed vocabulary; default <see cref="UnknownTokenPolicy.MapToUnknown"/>.</summary>
    public UnknownTokenPolicy UnknownTokens { get; set; } = UnknownTokenPolicy.MapToUnknown;

    /// <summary>Unpaired surrogates; default <see cref="UnpairedSurrogatePolicy.Replace"/> (U+FFFD).</summary>
    public UnpairedSurrogatePolicy UnpairedSurrogates { get; set; } = UnpairedSurrogatePolicy.Replace;

    /// <summary>
    /// Threads that encode a batch of rows together; default null (one per core). 1 encodes on the reading thread
    /// only. Results do not depend on it.
    /// </summary>
    public int? MaximumDegreeOfParallelism { get; set; }

    internal TokenizeOptions Clone() => (TokenizeOptions)MemberwiseClone();
}
