namespace ArML.Examples.PretrainedGpt2;

/// <summary>One row of text.</summary>
public sealed class TextRow
{
    /// <summary>The text.</summary>
    public string Text { get; set; } = "";
}
