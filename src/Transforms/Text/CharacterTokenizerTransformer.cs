using Microsoft.ML;
using ArML.Data;
using ArML.Persistence;
using ArML.Text;

namespace ArML.Transforms.Text;

/// <summary>
/// Maps a text column to a variable-length vector of U4 token keys, one per Unicode code point, with the
/// vocabulary learned by <see cref="CharacterTokenizerEstimator"/> as the column's key values.
/// </summary>
/// <remarks>
/// | Column | Type |
/// |---|---|
/// | input | String |
/// | output | Vector&lt;Key&lt;UInt32, vocabulary size&gt;&gt; (key 1 = "&lt;unk&gt;") |
///
/// Null and empty text give empty vectors; characters never seen in <c>Fit</c> (and unpaired surrogates)
/// map to "&lt;unk&gt;". Save with <c>mlContext.Model.SaveArml</c>.
/// </remarks>
public sealed class CharacterTokenizerTransformer : RowMappingTransformer, IArmlPersistable, ITokenizerTransformer
{
    internal CharacterTokenizerTransformer(string outputColumnName, string inputColumnName, CharacterVocabulary vocabulary)
    {
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
        Vocabulary = vocabulary;
    }

    /// <summary>Name of the token column produced.</summary>
    public string OutputColumnName { get; }

    /// <summary>Name of the text column read.</summary>
    public string InputColumnName { get; }

    /// <summary>The learned vocabulary (also the codec to encode and decode text).</summary>
    public CharacterVocabulary Vocabulary { get; }

    /// <inheritdoc/>
    ITokenCodec ITokenizerTransformer.Codec => Vocabulary;

    /// <inheritdoc/>
    public override BatchRowMapper CreateMapper(DataViewSchema inputSchema) =>
        new TextToTokensMapper(inputSchema, OutputColumnName, InputColumnName, Vocabulary);

    /// <inheritdoc/>
    public string ArmlKind => "ArML.CharacterTokenizer";

    /// <inheritdoc/>
    public int ArmlKindVersion => 1;

    /// <inheritdoc/>
    public void SaveArml(ArmlComponentWriter writer) =>
        writer.WriteJson("config.json", new CharacterTokenizerConfig(OutputColumnName, InputColumnName, Vocabulary.CodePoints.ToArray()));
}

/// <summary>What a saved character tokenizer holds.</summary>
/// <param name="OutputColumnName">Token column name.</param>
/// <param name="InputColumnName">Text column name.</param>
/// <param name="CodePoints">Vocabulary code points in id order (id 1 first; id 0 is the unknown token).</param>
public sealed record CharacterTokenizerConfig(string OutputColumnName, string InputColumnName, int[] CodePoints);

/// <summary>Reads a <see cref="CharacterTokenizerTransformer"/> saved by <c>SaveArml</c>.</summary>
public sealed class CharacterTokenizerLoader : IArmlComponentLoader
{
    /// <inheritdoc/>
    public ITransformer Load(ArmlComponentReader reader, ArmlLoadContext context)
    {
        if (reader.KindVersion != 1)
            throw new ArmlModelFormatException($"Character tokenizer layout version {reader.KindVersion} is not supported (this ArML reads version 1).");
        var config = reader.ReadJson<CharacterTokenizerConfig>("config.json");
        if (string.IsNullOrEmpty(config.OutputColumnName) || string.IsNullOrEmpty(config.InputColumnName) || config.CodePoints is null)
            throw new ArmlModelFormatException("The character tokenizer's config.json lacks column names or its vocabulary.");
        try
        {
            return new CharacterTokenizerTransformer(config.OutputColumnName, config.InputColumnName, new CharacterVocabulary(config.CodePoints));
        }
        catch (ArgumentException e)
        {
            throw new ArmlModelFormatException("The character tokenizer's vocabulary is invalid: " + e.Message);
        }
    }
}
