namespace ArML.Transforms.Text;

/// <summary>The kind of vocabulary <c>TrainTokenizer</c> learns.</summary>
public enum TokenizerKind
{
    /// <summary>GPT-2-style byte-level BPE (<see cref="BpeVocabulary"/>): encodes and decodes any text exactly.</summary>
    ByteLevelBpe,

    /// <summary>
    /// Words (<see cref="WordVocabulary"/>) split at whitespace and punctuation, or at whitespace only
    /// (<see cref="TokenizerTrainerOptions.WordSplitting"/>), with an unknown token.
    /// </summary>
    Word,

    /// <summary>Unicode code points (<see cref="CharacterVocabulary"/>), with an unknown token.</summary>
    Character,
}
