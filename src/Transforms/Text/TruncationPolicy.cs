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
