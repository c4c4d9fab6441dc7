using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Data;

/// <summary>
/// Base of ArML's transformers: each one is a <see cref="BatchRowMapper"/> factory, so <see cref="Transform"/>
/// is lazy and batched, and the transformer is a row-to-row mapper usable in ML.NET's prediction engine.
/// </summary>
public abstract class RowMappingTransformer : ITransformer
{
    /// <summary>Always true: ArML transformers map rows independently.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>Validates <paramref name="inputSchema"/> and makes the mapper for it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or of the wrong type.</exception>
    internal abstract BatchRowMapper CreateMapper(DataViewSchema inputSchema);

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => CreateMapper(inputSchema).OutputSchema;

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new BatchRowToRowMapper(CreateMapper(inputSchema));

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new BatchMappedDataView(input, CreateMapper(input.Schema));
    }

    /// <summary>ML.NET's own serializer cannot hold ArML components.</summary>
    /// <exception cref="NotSupportedException">Always: use <c>mlContext.Model.SaveArml(model, inputSchema, path)</c>.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx) => throw SaveNotSupported(GetType());

    internal static NotSupportedException SaveNotSupported(Type type) =>
        new($"{type.Name} is an ArML component, which ML.NET's mlContext.Model.Save cannot write (ML.NET keeps " +
            "ModelSaveContext internal). Save the whole model with mlContext.Model.SaveArml(model, inputSchema, path) " +
            "and load it with mlContext.Model.LoadArml(path, out inputSchema).");
}
