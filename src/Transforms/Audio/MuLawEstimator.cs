using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Schema;

namespace ArML.Transforms.Audio;

/// <summary>
/// Checks the input column in <c>Fit</c> and returns the <see cref="MuLawTransformer"/> (μ-law needs no training).
/// Create it with <c>mlContext.Transforms.MuLawEncode</c> or <c>mlContext.Transforms.MuLawDecode</c>.
/// </summary>
public sealed class MuLawEstimator : IEstimator<MuLawTransformer>
{
    private readonly MuLawTransformer _transformer;

    internal MuLawEstimator(MuLawTransformer transformer) => _transformer = transformer;

    /// <summary>Checks <paramref name="input"/>'s column and returns the transformer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing, of the wrong type, or (decoding) has another key count than the levels.</exception>
    public MuLawTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        _transformer.CreateMapper(input.Schema);   // the schema checks, naming the column
        return _transformer;
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        string name = _transformer.InputColumnName;
        var column = ColumnChecks.Find(inputSchema, name)
            ?? throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{name}' was not found in the input schema.");
        bool ok = _transformer.Decodes
            ? column.IsKey && (column.ItemType is not KeyDataViewType key || key.Count == (ulong)_transformer.Levels)
            : !column.IsKey && column.ItemType == NumberDataViewType.Single;
        if (!ok)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), _transformer.Decodes
                ? $"Column '{name}' (μ-law levels) must be a key or a vector of keys with {_transformer.Levels} keys."
                : $"Column '{name}' (audio samples) must be Single or a vector of Single.");
        DataViewType item = _transformer.Decodes ? NumberDataViewType.Single : new KeyDataViewType(typeof(uint), _transformer.Levels);
        // A SchemaShape keeps a vector's kind but not its size, so a fixed size of 1 stands for any fixed size here.
        DataViewType output = column.Kind switch
        {
            SchemaShape.Column.VectorKind.Scalar => item,
            SchemaShape.Column.VectorKind.Vector => new VectorDataViewType((PrimitiveDataViewType)item, 1),
            _ => new VectorDataViewType((PrimitiveDataViewType)item),
        };
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(_transformer.OutputColumnName, output);
        return SchemaShapeShim.Append(inputSchema, builder.ToSchema());
    }
}
