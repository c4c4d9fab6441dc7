using Microsoft.ML;
using ArML.Persistence;

namespace ArML.Transforms.Text;

/// <summary>What a character tokenizer saved by ArML before the general tokenizer (kind "ArML.CharacterTokenizer", version 1) holds.</summary>
/// <param name="OutputColumnName">Token column name.</param>
/// <param name="InputColumnName">Text column name.</param>
/// <param name="CodePoints">Vocabulary code points in id order (id 1 first; id 0 is the unknown token).</param>
internal sealed record CharacterTokenizerConfig(string OutputColumnName, string InputColumnName, int[] CodePoints);

/// <summary>
/// Reads character tokenizers saved with kind "ArML.CharacterTokenizer" version 1 into a <see cref="TokenizerTransformer"/>
/// with the same ids. New models save tokenizers as "ArML.Tokenizer".
/// </summary>
internal sealed class CharacterTokenizerLoader : IArmlComponentLoader
{
    /// <inheritdoc/>
    public ITransformer Load(ArmlComponentReader reader, ArmlLoadContext context)
    {
        ArgumentNullException.ThrowIfNull(reader);
        LayoutVersions.Require(reader, LayoutVersions.CharacterTokenizer, "Character tokenizer");
        var config = reader.ReadJson<CharacterTokenizerConfig>("config.json");
        if (string.IsNullOrEmpty(config.OutputColumnName) || string.IsNullOrEmpty(config.InputColumnName) || config.CodePoints is null)
            throw new ArmlModelFormatException("The character tokenizer's config.json lacks column names or its vocabulary.");
        try
        {
            return new TokenizerTransformer(config.OutputColumnName, config.InputColumnName, new CharacterVocabulary(config.CodePoints), new TokenizeOptions());
        }
        catch (ArgumentException e)
        {
            throw new ArmlModelFormatException("The character tokenizer's vocabulary is invalid: " + e.Message);
        }
    }
}
