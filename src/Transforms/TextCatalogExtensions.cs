using Microsoft.ML;
using ArML.Transforms.Text;

namespace ArML;

/// <summary>ArML's tokenizers on <c>mlContext.Transforms.Text</c>.</summary>
public static class TextCatalogExtensions
{
    /// <summary>
    /// Learns a character vocabulary in <c>Fit</c> and maps <paramref name="inputColumnName"/> (text) to
    /// <paramref name="outputColumnName"/>: a variable-length vector of U4 keys, one per Unicode code point,
    /// with the vocabulary as key values and an unknown-character id ("&lt;unk&gt;", key 1).
    /// </summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">Token column to produce.</param>
    /// <param name="inputColumnName">Text column to read; defaults to <paramref name="outputColumnName"/>.</param>
    public static CharacterTokenizerEstimator TokenizeCharacters(this TransformsCatalog.TextTransforms catalog,
        string outputColumnName, string? inputColumnName = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new CharacterTokenizerEstimator(outputColumnName, inputColumnName);
    }
}
