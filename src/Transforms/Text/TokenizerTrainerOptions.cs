namespace ArML.Transforms.Text;

/// <summary>Options of <c>mlContext.Transforms.Text.TrainTokenizer</c>; each member says which kinds it applies to.</summary>
public sealed class TokenizerTrainerOptions
{
    /// <summary>The vocabulary to learn; default <see cref="TokenizerKind.ByteLevelBpe"/>.</summary>
    public TokenizerKind Kind { get; set; } = TokenizerKind.ByteLevelBpe;

    /// <summary>
    /// ByteLevelBpe: the exact vocabulary size, counting the special tokens and the 256 byte tokens; default 8192.
    /// Training stops earlier only when no pair of tokens occurs <see cref="MinimumPairFrequency"/> times any more
    /// (the corpus is saturated); the log and <see cref="Progress"/> say so.
    /// </summary>
    public int VocabularySize { get; set; } = 8192;

    /// <summary>ByteLevelBpe: the fewest occurrences of a pair for it to be merged; default 2.</summary>
    public int MinimumPairFrequency { get; set; } = 2;

    /// <summary>
    /// Word: how text is split into words; default <see cref="WordSplitting.WordsAndPunctuation"/>. Use
    /// <see cref="WordSplitting.Whitespace"/> for pre-tokenized corpora (Penn Treebank: "n't" and "&lt;unk&gt;" stay whole;
    /// a "&lt;unk&gt;" in the text is then the unknown token when <see cref="UnknownToken"/> is "&lt;unk&gt;"). Saved with the model.
    /// </summary>
    public WordSplitting WordSplitting { get; set; } = WordSplitting.WordsAndPunctuation;

    /// <summary>Word: the fewest occurrences of a word for it to enter the vocabulary; default 1.</summary>
    public int MinimumWordCount { get; set; } = 1;

    /// <summary>Word: the largest vocabulary, counting the unknown and special tokens (the most frequent words are kept); default null (no limit).</summary>
    public int? MaximumVocabularySize { get; set; }

    /// <summary>Word: the unknown token's string; default "&lt;unk&gt;" (Character vocabularies always use "&lt;unk&gt;").</summary>
    public string UnknownToken { get; set; } = "<unk>";

    /// <summary>
    /// All kinds: special tokens (e.g. "&lt;|endoftext|&gt;"), given the first ids (after the unknown token of word and
    /// character vocabularies) in this order; default none. Use them as begin/end-of-sequence tokens in <see cref="TokenizeOptions"/>.
    /// </summary>
    public IReadOnlyList<string> SpecialTokens { get; set; } = [];

    /// <summary>Receives training progress (counting, merging); default null.</summary>
    public IProgress<TokenizerTrainingProgress>? Progress { get; set; }

    internal void Validate()
    {
        if (!Enum.IsDefined(Kind)) throw new ArgumentOutOfRangeException(nameof(Kind), $"Unknown tokenizer kind {Kind}.");
        if (!Enum.IsDefined(WordSplitting)) throw new ArgumentOutOfRangeException(nameof(WordSplitting), $"Unknown word splitting {WordSplitting}.");
        SpecialTokenList.Validate(SpecialTokens);
        if (Kind == TokenizerKind.ByteLevelBpe && VocabularySize < 256 + SpecialTokens.Count)
            throw new ArgumentOutOfRangeException(nameof(VocabularySize),
                $"VocabularySize {VocabularySize} is smaller than the 256 byte tokens plus {SpecialTokens.Count} special tokens.");
        if (MinimumPairFrequency < 1) throw new ArgumentOutOfRangeException(nameof(MinimumPairFrequency), "MinimumPairFrequency must be at least 1.");
        if (MinimumWordCount < 1) throw new ArgumentOutOfRangeException(nameof(MinimumWordCount), "MinimumWordCount must be at least 1.");
        if (MaximumVocabularySize is int max && max < 1 + SpecialTokens.Count)
            throw new ArgumentOutOfRangeException(nameof(MaximumVocabularySize), $"MaximumVocabularySize {max} leaves no room for the unknown and special tokens.");
        ArgumentException.ThrowIfNullOrEmpty(UnknownToken, nameof(UnknownToken));
    }

    internal TokenizerTrainerOptions Clone() => (TokenizerTrainerOptions)MemberwiseClone();
}

