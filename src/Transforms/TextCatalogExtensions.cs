using Microsoft.ML;
using Microsoft.ML.Tokenizers;
using ArML.Transforms.Text;

namespace ArML;

/// <summary>ArML's tokenizers and decoder on <c>mlContext.Transforms.Text</c>.</summary>
/// <remarks>
/// Every tokenizer produces a variable-length vector of U4 keys (key = id + 1) with the vocabulary as key values,
/// which every ArML trainer accepts. These estimators do not see the <see cref="MLContext"/> (ML.NET keeps the
/// catalog's environment internal): training progress goes to <see cref="TokenizerTrainerOptions.Progress"/>.
/// </remarks>
public static class TextCatalogExtensions
{
    /// <summary>
    /// Tokenizes <paramref name="inputColumnName"/> (text) into <paramref name="outputColumnName"/> with a
    /// Microsoft.ML.Tokenizers tokenizer: one made by an ArML vocabulary (<see cref="TiktokenVocabulary"/>,
    /// <see cref="BpeVocabulary"/>), a <see cref="TiktokenTokenizer"/> of gpt2, r50k_base, cl100k_base or o200k_base
    /// (replaced by ArML's equivalent, which splits exactly as tiktoken on all of Unicode), or any other
    /// <see cref="BpeTokenizer"/> (which works, but cannot be saved).
    /// </summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">Token column to produce.</param>
    /// <param name="inputColumnName">Text column to read.</param>
    /// <param name="tokenizer">The tokenizer.</param>
    /// <param name="options">Begin/end tokens, maximum length, unknown-token and surrogate policies; null for the defaults.</param>
    /// <exception cref="ArgumentException">The tokenizer is of an unsupported kind, or the options do not fit its vocabulary.</exception>
    public static TokenizingEstimator TokenizeToIds(this TransformsCatalog.TextTransforms catalog,
        string outputColumnName, string inputColumnName, Tokenizer tokenizer, TokenizeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new TokenizingEstimator(outputColumnName, inputColumnName, TokenizerVocabularies.Of(tokenizer), options);
    }

    /// <summary>Tokenizes with an ArML vocabulary (pretrained, BPE from files, word or character).</summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">Token column to produce.</param>
    /// <param name="inputColumnName">Text column to read.</param>
    /// <param name="vocabulary">The vocabulary.</param>
    /// <param name="options">Per-row options; null for the defaults.</param>
    public static TokenizingEstimator TokenizeToIds(this TransformsCatalog.TextTransforms catalog,
        string outputColumnName, string inputColumnName, TokenVocabulary vocabulary, TokenizeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new TokenizingEstimator(outputColumnName, inputColumnName, vocabulary, options);
    }

    /// <summary>Tokenizes with a pretrained encoding: "gpt2", "r50k_base", "cl100k_base" or "o200k_base" (offline).</summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">Token column to produce.</param>
    /// <param name="inputColumnName">Text column to read.</param>
    /// <param name="encodingName">The encoding's name.</param>
    /// <param name="options">Per-row options; null for the defaults.</param>
    public static TokenizingEstimator TokenizeToIds(this TransformsCatalog.TextTransforms catalog,
        string outputColumnName, string inputColumnName, string encodingName, TokenizeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new TokenizingEstimator(outputColumnName, inputColumnName, TiktokenVocabulary.Get(encodingName), options);
    }

    /// <summary>
    /// Learns a vocabulary from <paramref name="inputColumnName"/> in <c>Fit</c> — byte-level BPE, words or
    /// characters (<see cref="TokenizerTrainerOptions.Kind"/>) — and tokenizes with it.
    /// </summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">Token column to produce.</param>
    /// <param name="inputColumnName">Text column to read.</param>
    /// <param name="options">What to learn.</param>
    /// <param name="tokenizeOptions">Per-row options of the resulting tokenizer; null for the defaults.</param>
    public static TokenizerTrainingEstimator TrainTokenizer(this TransformsCatalog.TextTransforms catalog,
        string outputColumnName, string inputColumnName, TokenizerTrainerOptions options, TokenizeOptions? tokenizeOptions = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new TokenizerTrainingEstimator(outputColumnName, inputColumnName, options, tokenizeOptions);
    }

    /// <summary>
    /// Learns a character vocabulary in <c>Fit</c> and maps <paramref name="inputColumnName"/> (text) to
    /// <paramref name="outputColumnName"/>: one key per Unicode code point, with an unknown-character id
    /// ("&lt;unk&gt;", key 1). The same as <see cref="TrainTokenizer"/> with <see cref="TokenizerKind.Character"/>.
    /// </summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">Token column to produce.</param>
    /// <param name="inputColumnName">Text column to read; defaults to <paramref name="outputColumnName"/>.</param>
    public static TokenizerTrainingEstimator TokenizeCharacters(this TransformsCatalog.TextTransforms catalog,
        string outputColumnName, string? inputColumnName = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new TokenizerTrainingEstimator(outputColumnName, inputColumnName ?? outputColumnName,
            new TokenizerTrainerOptions { Kind = TokenizerKind.Character }, tokenizeOptions: null);
    }

    /// <summary>
    /// Turns the token column <paramref name="inputColumnName"/> back into text in <paramref name="outputColumnName"/>,
    /// with the vocabulary of the ArML tokenizer that produced it (or the column's key values).
    /// </summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">Text column to produce.</param>
    /// <param name="inputColumnName">Token column to read.</param>
    /// <param name="keepSpecialTokens">Write special tokens (begin/end of sequence) as their strings; default false (drop them).</param>
    public static TokenDecodingEstimator DecodeTokens(this TransformsCatalog.TextTransforms catalog,
        string outputColumnName, string inputColumnName, bool keepSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new TokenDecodingEstimator(outputColumnName, inputColumnName, keepSpecialTokens);
    }

    /// <summary>
    /// Turns the token column <paramref name="inputColumnName"/> back into text with <paramref name="vocabulary"/>,
    /// for columns whose tokenizer is not attached to them (read back from a file, or renamed by ML.NET transforms).
    /// </summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">Text column to produce.</param>
    /// <param name="inputColumnName">Token column to read; its key count must be the vocabulary's size.</param>
    /// <param name="vocabulary">The vocabulary the ids belong to.</param>
    /// <param name="keepSpecialTokens">Write special tokens as their strings; default false (drop them).</param>
    public static TokenDecodingEstimator DecodeTokens(this TransformsCatalog.TextTransforms catalog,
        string outputColumnName, string inputColumnName, TokenVocabulary vocabulary, bool keepSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(vocabulary);
        return new TokenDecodingEstimator(outputColumnName, inputColumnName, keepSpecialTokens, vocabulary);
    }
}
