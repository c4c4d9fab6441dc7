using Microsoft.ML;
using ArML.Data;
using ArML.Persistence;

namespace ArML.Transforms.Text;

/// <summary>
/// Turns a token-key column back into text with the vocabulary of the tokenizer that produced it. Create it with
/// <c>mlContext.Transforms.Text.DecodeTokens</c>.
/// </summary>
/// <remarks>
/// | Column | Type |
/// |---|---|
/// | input | Vector&lt;Key&gt; of the vocabulary's size |
/// | output | String |
///
/// Byte-level vocabularies (pretrained encodings, byte-level BPE) restore any encoded text exactly; word
/// vocabularies join words with single spaces; the unknown token of character vocabularies decodes to U+FFFD.
/// Special tokens are dropped unless <see cref="KeepSpecialTokens"/>. A missing key (0) is an error naming the row.
/// </remarks>
public sealed class TokenDecodingTransformer : RowMappingTransformer, IArmlPersistable
{
    internal TokenDecodingTransformer(string outputColumnName, string inputColumnName, TokenVocabulary vocabulary, bool keepSpecialTokens)
    {
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
        Vocabulary = vocabulary;
        KeepSpecialTokens = keepSpecialTokens;
    }

    /// <summary>Name of the text column produced.</summary>
    public string OutputColumnName { get; }

    /// <summary>Name of the token column read.</summary>
    public string InputColumnName { get; }

    /// <summary>The vocabulary decoded with.</summary>
    public TokenVocabulary Vocabulary { get; }

    /// <summary>Whether special tokens are written out as their strings (otherwise they are dropped).</summary>
    public bool KeepSpecialTokens { get; }

    /// <inheritdoc/>
    internal override BatchRowMapper CreateMapper(DataViewSchema inputSchema) =>
        new TokensToTextMapper(inputSchema, OutputColumnName, InputColumnName, Vocabulary, KeepSpecialTokens);

    /// <inheritdoc/>
    public string ArmlKind => "ArML.TokenDecoder";

    /// <inheritdoc/>
    public int ArmlKindVersion => LayoutVersions.TokenDecoder;

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">The vocabulary wraps a tokenizer created outside ArML; the message names it.</exception>
    public void SaveArml(ArmlComponentWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var vocabulary = VocabularyStore.Save(Vocabulary, writer);
        writer.WriteJson("config.json", new TokenDecoderConfig(OutputColumnName, InputColumnName, vocabulary, KeepSpecialTokens));
    }
}

/// <summary>What a saved <see cref="TokenDecodingTransformer"/> holds in its config.json.</summary>
/// <param name="OutputColumnName">Text column name.</param>
/// <param name="InputColumnName">Token column name.</param>
/// <param name="Vocabulary">The vocabulary (files beside the config for BPE).</param>
/// <param name="KeepSpecialTokens">Whether special tokens are written out.</param>
internal sealed record TokenDecoderConfig(string OutputColumnName, string InputColumnName, SavedVocabulary Vocabulary, bool KeepSpecialTokens);

/// <summary>Reads a <see cref="TokenDecodingTransformer"/> saved by <c>SaveArml</c> (kind "ArML.TokenDecoder").</summary>
internal sealed class TokenDecoderLoader : IArmlComponentLoader
{
    /// <inheritdoc/>
    public ITransformer Load(ArmlComponentReader reader, ArmlLoadContext context)
    {
        ArgumentNullException.ThrowIfNull(reader);
        LayoutVersions.Require(reader, LayoutVersions.TokenDecoder, "Token decoder");
        var config = reader.ReadJson<TokenDecoderConfig>("config.json");
        if (string.IsNullOrEmpty(config.OutputColumnName) || string.IsNullOrEmpty(config.InputColumnName))
            throw new ArmlModelFormatException("The token decoder's config.json lacks column names.");
        return new TokenDecodingTransformer(config.OutputColumnName, config.InputColumnName, VocabularyStore.Load(config.Vocabulary, reader), config.KeepSpecialTokens);
    }
}
