using Microsoft.ML;
using ArML.Schema;

namespace ArML.Transforms.Text;

/// <summary>
/// Tokenizes a text column with a given vocabulary (a pretrained encoding, a BPE from files, any ArML vocabulary);
/// nothing is learned in <c>Fit</c>. Create it with <c>mlContext.Transforms.Text.TokenizeToIds</c>.
/// </summary>
public sealed class TokenizingEstimator : IEstimator<TokenizerTransformer>
{
    private readonly TokenizerTransformer _transformer;

    internal TokenizingEstimator(string outputColumnName, string inputColumnName, TokenVocabulary vocabulary, TokenizeOptions? options)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(inputColumnName);
        ArgumentNullException.ThrowIfNull(vocabulary);
        _transformer = new TokenizerTransformer(outputColumnName, inputColumnName, vocabulary, options ?? new TokenizeOptions());
    }

    /// <summary>Checks the input column and returns the transformer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or not text.</exception>
    public TokenizerTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ColumnChecks.RequireText(input.Schema, _transformer.InputColumnName);
        return _transformer;
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ColumnChecks.RequireText(inputSchema, _transformer.InputColumnName);
        return SchemaShapeShim.Append(inputSchema, TokenKeyColumn.SchemaOf(_transformer.OutputColumnName, _transformer.Vocabulary));
    }
}
