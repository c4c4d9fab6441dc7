using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Schema;

namespace ArML.Trainers.VectorQuantization;

/// <summary>
/// Decodes a codes column with a trained <see cref="VectorQuantizingTransformer"/>'s decoder; <c>Fit</c> only checks the
/// column. Create it with <c>mlContext.Transforms.VectorDequantize</c>.
/// </summary>
/// <remarks>See <see cref="VectorDequantizingTransformer"/> for the columns.</remarks>
public sealed class VectorDequantizingEstimator : IEstimator<VectorDequantizingTransformer>
{
    private readonly VectorQuantizingTransformer _quantizer;
    private readonly string _outputColumnName;
    private readonly string _inputColumnName;
    private readonly int _scoringBatchSize;

    internal VectorDequantizingEstimator(string outputColumnName, VectorQuantizingTransformer quantizer, string inputColumnName, int scoringBatchSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ArgumentNullException.ThrowIfNull(quantizer);
        ArgumentException.ThrowIfNullOrEmpty(inputColumnName);
        ArgumentOutOfRangeException.ThrowIfLessThan(scoringBatchSize, 1);
        _quantizer = quantizer;
        _outputColumnName = outputColumnName;
        _inputColumnName = inputColumnName;
        _scoringBatchSize = scoringBatchSize;
    }

    /// <summary>Checks the codes column and returns the decoder, which shares the quantizer's network.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing, of another type or size, or has more keys than the codebook.</exception>
    public VectorDequantizingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        VectorQuantizerColumns.RequireCodes(input.Schema, _inputColumnName, _quantizer.Model.Shape);
        return new VectorDequantizingTransformer(_quantizer.Model, ownsModel: false, _outputColumnName, _inputColumnName, _scoringBatchSize);
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        SchemaShape.Column? found = null;
        foreach (var c in inputSchema)
            if (c.Name == _inputColumnName) found = c;
        if (found is not SchemaShape.Column column)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{_inputColumnName}' (codes) was not found in the input schema.");
        if (column.Kind == SchemaShape.Column.VectorKind.Scalar || !(column.IsKey ? column.ItemType.RawType == typeof(uint) : column.ItemType == NumberDataViewType.Single))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{_inputColumnName}' (codes) must be a vector of UInt32 keys or of Single.");
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(_outputColumnName, new VectorDataViewType(NumberDataViewType.Single, _quantizer.Model.Shape.Dimension));
        return SchemaShapeShim.Append(inputSchema, builder.ToSchema());
    }
}
