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
    /// The feature column: a vector of Single, Boolean or UInt32 keys (read as key − 1, so a categorical model of K
    /// values reads keys 1 … K, such as a VQ-VAE's codes), of fixed size (its size is the dimension) or of variable
    /// size (every row must then hold the model's dimension). Returns its size, 0 when variable.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing, of another type, or of the wrong fixed size.</exception>
    public static DataViewSchema.Column RequireFeatures(DataViewSchema schema, string name, int? dimension = null)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(name), $"Column '{name}' (features, expected a vector of Single, Boolean or keys) was not found in the input schema.");
        if (column.Type is not VectorDataViewType vector || !IsFeatureItem(vector.ItemType))
            throw new ArgumentOutOfRangeException(nameof(name), $"Column '{name}' (features) must be a vector of Single, Boolean or UInt32 keys, but is {column.Type}.");
        if (dimension is int d && vector.Size != 0 && vector.Size != d)
            throw new ArgumentOutOfRangeException(nameof(name), $"Column '{name}' (features) holds vectors of size {vector.Size}, but the model's dimension is {d}.");
        return column;
    }

    /// <summary>The key count of a key-typed feature column, or null for Single and Boolean columns.</summary>
    public static ulong? KeyCount(DataViewSchema.Column column) => ((VectorDataViewType)column.Type).ItemType is KeyDataViewType key ? key.Count : null;

    /// <summary>
    /// Checks that a key-typed feature column fits the model's support: keys 1 … n are the values 0 … n − 1, which a
    /// categorical model of at least n categories (or a Bernoulli model, for n ≤ 2) reads.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The keys do not fit; the message names the column and what to set.</exception>
    public static void RequireKeysFit(DataViewSchema.Column column, OutputDistribution distribution, int categoryCount)
    {
        if (KeyCount(column) is not ulong keys) return;
        if (distribution == OutputDistribution.Categorical ? keys <= (ulong)categoryCount : distribution == OutputDistribution.Bernoulli && keys <= 2) return;
        throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' (features) holds keys 1 … {keys}, read as the values 0 … {keys - 1}: " +
            $"use Categorical outputs with CategoryCount at least {keys} (the model has {distribution}" +
            $"{(distribution == OutputDistribution.Categorical ? $" outputs of {categoryCount} categories" : " outputs")}).");
    }

    private static bool IsFeatureItem(DataViewType item) =>
        item == NumberDataViewType.Single || item == BooleanDataViewType.Instance || item is KeyDataViewType { RawType: var raw } && raw == typeof(uint);

    /// <summary>Checks the shape of the feature column before fitting.</summary>
    public static void RequireFeatures(SchemaShape schema, string name)
    {
        SchemaShape.Column? found = null;
        foreach (var column in schema)
            if (column.Name == name) found = column;
        if (found is not SchemaShape.Column c)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' (features, expected a vector of Single, Boolean or keys) was not found in the input schema.");
        bool key = c.IsKey && c.ItemType.RawType == typeof(uint);
        if (c.Kind == SchemaShape.Column.VectorKind.Scalar || !(key || !c.IsKey && (c.ItemType == NumberDataViewType.Single || c.ItemType == BooleanDataViewType.Instance)))
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Column '{name}' (features) must be a vector of Single, Boolean or UInt32 keys, but is {(c.Kind == SchemaShape.Column.VectorKind.Scalar ? "" : "a vector of ")}" +
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
