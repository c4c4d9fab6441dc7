using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Schema;
using ArML.Text;

namespace ArML.Transforms.Text;

/// <summary>
/// Finds the vocabulary of a token column in <c>Fit</c> and returns a <see cref="TokenDecodingTransformer"/>.
/// Create it with <c>mlContext.Transforms.Text.DecodeTokens</c>.
/// </summary>
/// <remarks>
/// The vocabulary is the one given, else the one an ArML tokenizer attached to the column
/// (<see cref="TokenCodecAnnotation"/>, kept in memory only); for a token column from elsewhere (e.g. ML.NET's
/// <c>TokenizeIntoCharactersAsKeys</c>, or a column read back from a file) its key values are concatenated, which
/// is exact for character vocabularies only: pass the vocabulary for the others.
/// </remarks>
public sealed class TokenDecodingEstimator : IEstimator<TokenDecodingTransformer>
{
    private readonly string _outputColumnName;
    private readonly string _inputColumnName;
    private readonly bool _keepSpecialTokens;
    private readonly TokenVocabulary? _vocabulary;

    internal TokenDecodingEstimator(string outputColumnName, string inputColumnName, bool keepSpecialTokens, TokenVocabulary? vocabulary = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(inputColumnName);
        _outputColumnName = outputColumnName;
        _inputColumnName = inputColumnName;
        _keepSpecialTokens = keepSpecialTokens;
        _vocabulary = vocabulary;
    }

    /// <summary>Finds the column's vocabulary and returns the decoder.</summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// The column is missing, not a vector of keys, has neither an ArML vocabulary nor key values, or its key count
    /// differs from the given vocabulary's size.
    /// </exception>
    public TokenDecodingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var column = ColumnChecks.RequireTokenKeys(input.Schema, _inputColumnName);
        TokenVocabulary vocabulary = (_vocabulary as ITokenCodec ?? TokenCodecAnnotation.Get(column)) switch
        {
            TokenVocabulary known => known,
            _ => KeyValuesCodec.FromColumn(column) is KeyValuesCodec keyValues
                ? new KeyValuesVocabulary(keyValues)
                : throw new ArgumentOutOfRangeException(nameof(input),
                    $"Column '{_inputColumnName}' carries neither an ArML tokenizer's vocabulary nor text key values, so it cannot be decoded."),
        };
        var decoder = new TokenDecodingTransformer(_outputColumnName, _inputColumnName, vocabulary, _keepSpecialTokens);
        decoder.CreateMapper(input.Schema); // checks the key count against the vocabulary now, naming the column
        return decoder;
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ColumnChecks.RequireTokenKeys(inputSchema, _inputColumnName);
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(_outputColumnName, TextDataViewType.Instance);
        return SchemaShapeShim.Append(inputSchema, builder.ToSchema());
    }
}
