namespace ArML.Transforms.Text;

/// <summary>
/// What a saved tokenizer or decoder holds about its vocabulary (in its config.json). Pretrained encodings are saved
/// by name, character and word vocabularies by their entries, BPE vocabularies by their vocab.json and merges.txt
/// files beside the config.
/// </summary>
/// <param name="Kind">One of the *Kind constants.</param>
internal sealed record SavedVocabulary(string Kind)
{
    /// <summary>A pretrained tiktoken encoding, by <see cref="Encoding"/>.</summary>
    public const string PretrainedKind = "pretrained";

    /// <summary>A BPE vocabulary in the files vocab.json and merges.txt.</summary>
    public const string BpeKind = "bpe";

    /// <summary>A word vocabulary, by <see cref="Words"/>.</summary>
    public const string WordKind = "word";

    /// <summary>A character vocabulary, by <see cref="CodePoints"/>.</summary>
    public const string CharacterKind = "character";

    /// <summary>A column's key values decoded by concatenation (<see cref="KeyValuesVocabulary"/>).</summary>
    public const string KeyValuesKind = "keyValues";

    /// <summary>Name of a pretrained encoding ("cl100k_base").</summary>
    public string? Encoding { get; init; }

    /// <summary>Code points of a character vocabulary, in id order.</summary>
    public int[]? CodePoints { get; init; }

    /// <summary>Words of a word vocabulary in id order, or key values of a key-values vocabulary.</summary>
    public string[]? Words { get; init; }

    /// <summary>Special tokens in id order (character and word vocabularies) or as recorded by BPE vocabularies.</summary>
    public string[]? SpecialTokens { get; init; }

    /// <summary>Whether a BPE vocabulary is byte-level (GPT-2 style).</summary>
    public bool? ByteLevel { get; init; }

    /// <summary>How a word vocabulary splits text; null is <c>WordsAndPunctuation</c>.</summary>
    public WordSplitting? WordSplitting { get; init; }

    /// <summary>The unknown token of a non-byte-level BPE vocabulary.</summary>
    public string? UnknownToken { get; init; }
}
