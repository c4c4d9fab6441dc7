using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Data;

namespace ArML.Trainers.Density;

/// <summary>The feature column a density model reads and the columns its transformer adds.</summary>
internal static class DensityColumns
{
    public const string LogLikelihood = DefaultColumnNames.LogLikelihood;
    public const string TokenCount = DefaultColumnNames.TokenCount;
    public const string Score = DefaultColumnNames.Score;
    public const string PredictedLabel = DefaultColumnNames.PredictedLabel;

    /// <summary>
    /// The feature column: a vector of Single or Boolean, of fixed size (its size is the dimension) or of variable
    /// size (every row must then hold the model's dimension). Returns its size, 0 when variable.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing, of another type, or of the wrong fixed size.</exception>
    public static DataViewSchema.Column RequireFeatures(DataViewSchema schema, string name, int? dimension = null)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(name), $"Column '{name}' (features, expected a vector of Single or Boolean) was not found in the input schema.");
        if (column.Type is not VectorDataViewType vector || !(vector.ItemType == NumberDataViewType.Single || vector.ItemType == BooleanDataViewType.Instance))
            throw new ArgumentOutOfRangeException(nameof(name), $"Column '{name}' (features) must be a vector of Single or Boolean, but is {column.Type}.");
        if (dimension is int d && vector.Size != 0 && vector.Size != d)
            throw new ArgumentOutOfRangeException(nameof(name), $"Column '{name}' (features) holds vectors of size {vector.Size}, but the model's dimension is {d}.");
        return column;
    }

    /// <summary>Checks the shape of the feature column before fitting.</summary>
    public static void RequireFeatures(SchemaShape schema, string name)
    {
        SchemaShape.Column? found = null;
        foreach (var column in schema)
            if (column.Name == name) found = column;
        if (found is not SchemaShape.Column c)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' (features, expected a vector of Single or Boolean) was not found in the input schema.");
        if (c.Kind == SchemaShape.Column.VectorKind.Scalar || c.IsKey || !(c.ItemType == NumberDataViewType.Single || c.ItemType == BooleanDataViewType.Instance))
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Column '{name}' (features) must be a vector of Single or Boolean, but is {(c.Kind == SchemaShape.Column.VectorKind.Scalar ? "" : "a vector of ")}" +
                $"{(c.IsKey ? "keys of " : "")}{c.ItemType}.");
    }

    /// <summary>The added columns alone, for estimators' <c>GetOutputSchema</c>.</summary>
    public static DataViewSchema OutputSchema()
    {
        var builder = new DataViewSchema.Builder();
        foreach (var column in Outputs) builder.AddColumn(column.Name, column.Type);
        return builder.ToSchema();
    }

    public static readonly ArML.Data.OutputColumn[] Outputs =
    [
        new(LogLikelihood, NumberDataViewType.Double),
        new(TokenCount, NumberDataViewType.Int32),
        new(Score, NumberDataViewType.Single),
        new(PredictedLabel, BooleanDataViewType.Instance),
    ];
}
