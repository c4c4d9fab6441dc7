namespace ArML.Transforms.Text;

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
