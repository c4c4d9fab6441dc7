using Microsoft.ML;
using ArML.Schema;

namespace ArML.Transforms.Text;

/// <summary>
/// Learns a character (code point) vocabulary from a text column and tokenizes it into U4 keys.
/// Create it with <c>mlContext.Transforms.Text.TokenizeCharacters(outputColumnName, inputColumnName)</c>.
/// </summary>
/// <remarks>
/// <c>Fit</c> reads the input column once through a cursor. The vocabulary is "&lt;unk&gt;" followed by
/// every distinct code point seen, in ordinal order, so it does not depend on row order.
/// </remarks>
public sealed class CharacterTokenizerEstimator : IEstimator<CharacterTokenizerTransformer>
{
    private readonly string _outputColumnName;
    private readonly string _inputColumnName;

    internal CharacterTokenizerEstimator(string outputColumnName, string? inputColumnName)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        _outputColumnName = outputColumnName;
        _inputColumnName = inputColumnName ?? outputColumnName;
    }

    /// <inheritdoc/>
    public CharacterTokenizerTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var column = ColumnChecks.RequireText(input.Schema, _inputColumnName);
        var seen = new HashSet<int>();
        using (var cursor = input.GetRowCursor([column]))
        {
            var getter = cursor.GetGetter<ReadOnlyMemory<char>>(column);
            ReadOnlyMemory<char> text = default;
            while (cursor.MoveNext())
            {
                getter(ref text);
                CharacterVocabulary.CollectCodePoints(text.Span, seen);
            }
        }
        return new CharacterTokenizerTransformer(_outputColumnName, _inputColumnName, new CharacterVocabulary(seen));
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ColumnChecks.RequireText(inputSchema, _inputColumnName);
        // The vocabulary is unknown before Fit; a placeholder of one entry conveys the column's kind and annotations.
        return SchemaShapeShim.Append(inputSchema, TokenKeyColumn.SchemaOf(_outputColumnName, new CharacterVocabulary([])));
    }
}
