using Microsoft.ML;

namespace ArML.Text;

/// <summary>
/// A fitted tokenizer: maps a text column to a token-key column through an <see cref="ITokenCodec"/>. Text generation
/// finds a language model's tokenizer in a pipeline through this interface, to encode prompts and decode ids.
/// </summary>
internal interface ITokenizerTransformer : ITransformer
{
    /// <summary>The text column read.</summary>
    string InputColumnName { get; }

    /// <summary>The token column written.</summary>
    string OutputColumnName { get; }

    /// <summary>Turns text into the column's token ids (key − 1) and back.</summary>
    ITokenCodec Codec { get; }
}
