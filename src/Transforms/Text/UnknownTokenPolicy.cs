namespace ArML.Transforms.Text;

/// <summary>What to do with text outside a closed vocabulary (character, word, or BPE with an unknown token).</summary>
public enum UnknownTokenPolicy
{
    /// <summary>Use the vocabulary's unknown token ("&lt;unk&gt;").</summary>
    MapToUnknown,

    /// <summary>Fail, naming the column and the row.</summary>
    Error,
}
