namespace ArML.Transforms.Text;

/// <summary>What to do with an unpaired UTF-16 surrogate (text that is not valid Unicode).</summary>
public enum UnpairedSurrogatePolicy
{
    /// <summary>Encode it as U+FFFD, the replacement character (what any UTF-8 encoder, and tiktoken, does).</summary>
    Replace,

    /// <summary>Fail, naming the column, the row and the position.</summary>
    Error,
}
