using ArML.Text;
using Microsoft.ML;
using Microsoft.ML.Tokenizers;
using ArML.Data;
using ArML.Persistence;

namespace ArML.Transforms.Text;

/// <summary>
/// Maps a text column to a variable-length vector of U4 token keys with a <see cref="TokenVocabulary"/>. Made by
/// <c>TokenizeToIds</c>, <c>TrainTokenizer</c> and <c>TokenizeCharacters</c> on <c>mlContext.Transforms.Text</c>.
/// </summary>
/// <remarks>
/// | Column | Type |
/// |---|---|
/// | input | String |
/// | output | VarVector&lt;Key&lt;UInt32, vocabulary size&gt;&gt;, KeyValues = the vocabulary's token strings |
///
/// Keys are ids + 1, as ML.NET's <c>MapValueToKey</c> and <c>TokenizeIntoCharactersAsKeys</c> produce, so
/// <c>MapKeyToValue</c> shows token strings and every ArML trainer accepts the column. Null and empty rows give
/// empty vectors (or only the requested begin/end tokens). The transform is lazy and batched; it is a row-to-row
/// mapper, so it works in a prediction engine. Save with <c>mlContext.Model.SaveArml</c>.
/// </remarks>
public sealed class TokenizerTransformer : RowMappingTransformer, IArmlPersistable, ITokenizerTransformer
{
    private readonly TokenizeOptions _options;

    internal TokenizerTransformer(string outputColumnName, string inputColumnName, TokenVocabulary vocabulary, TokenizeOptions options)
    {
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
        Vocabulary = vocabulary;
        _options = options.Clone();
        _ = new RowEncoder(vocabulary, _options, inputColumnName); // validates the options against the vocabulary now
    }

    /// <summary>Name of the token column produced.</summary>
    public string OutputColumnName { get; }

    /// <summary>Name of the text column read.</summary>
    public string InputColumnName { get; }

    /// <summary>The vocabulary (also the codec to encode and decode text).</summary>
    public TokenVocabulary Vocabulary { get; }

    /// <inheritdoc/>
    ITokenCodec ITokenizerTransformer.Codec => Vocabulary;

    /// <summary>The Microsoft.ML.Tokenizers tokenizer that encodes, or null for character and word vocabularies.</summary>
    public Tokenizer? Tokenizer => Vocabulary.Tokenizer;

    /// <summary>A copy of the per-row options.</summary>
    public TokenizeOptions Options => _options.Clone();

    /// <inheritdoc/>
    internal override BatchRowMapper CreateMapper(DataViewSchema inputSchema) =>
        new TextToTokensMapper(inputSchema, OutputColumnName, InputColumnName, Vocabulary, _options);

    /// <inheritdoc/>
    public string ArmlKind => "ArML.Tokenizer";

    /// <inheritdoc/>
    public int ArmlKindVersion => LayoutVersions.Tokenizer;

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">The vocabulary wraps a tokenizer created outside ArML; the message names it.</exception>
    public void SaveArml(ArmlComponentWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var vocabulary = VocabularyStore.Save(Vocabulary, writer);
        writer.WriteJson("config.json", new TokenizerConfig(OutputColumnName, InputColumnName, vocabulary, SavedTokenizeOptions.From(_options)));
    }
}

/// <summary>What a saved <see cref="TokenizerTransformer"/> holds in its config.json.</summary>
/// <param name="OutputColumnName">Token column name.</param>
/// <param name="InputColumnName">Text column name.</param>
/// <param name="Vocabulary">The vocabulary (files beside the config for BPE).</param>
/// <param name="Options">The per-row options.</param>
internal sealed record TokenizerConfig(string OutputColumnName, string InputColumnName, SavedVocabulary Vocabulary, SavedTokenizeOptions Options);

/// <summary>Reads a <see cref="TokenizerTransformer"/> saved by <c>SaveArml</c> (kind "ArML.Tokenizer").</summary>
internal sealed class TokenizerLoader : IArmlComponentLoader
{
    /// <inheritdoc/>
    public ITransformer Load(ArmlComponentReader reader, ArmlLoadContext context)
    {
        ArgumentNullException.ThrowIfNull(reader);
        LayoutVersions.Require(reader, LayoutVersions.Tokenizer, "Tokenizer");
        var config = reader.ReadJson<TokenizerConfig>("config.json");
        if (string.IsNullOrEmpty(config.OutputColumnName) || string.IsNullOrEmpty(config.InputColumnName))
            throw new ArmlModelFormatException("The tokenizer's config.json lacks column names.");
        var vocabulary = VocabularyStore.Load(config.Vocabulary, reader);
        try
        {
            return new TokenizerTransformer(config.OutputColumnName, config.InputColumnName, vocabulary, config.Options.ToOptions());
        }
        catch (ArgumentException e)
        {
            throw new ArmlModelFormatException("The tokenizer's saved options do not fit its vocabulary: " + e.Message, e);
        }
    }
}
