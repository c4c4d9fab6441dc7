using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Schema;

/// <summary>Up-front input column validation with messages that name the column and the expected type.</summary>
internal static class ColumnChecks
{
    /// <summary>Finds a column holding text (<see cref="TextDataViewType"/>).</summary>
    public static DataViewSchema.Column RequireText(DataViewSchema schema, string name, string role = "input")
    {
        var column = Require(schema, name, role, "String (text)");
        if (column.Type is not TextDataViewType)
            throw Mismatch(name, role, "String (text)", column.Type);
        return column;
    }

    /// <summary>Checks the shape of a text column before fitting.</summary>
    public static void RequireText(SchemaShape schema, string name, string role = "input")
    {
        var column = Find(schema, name) ?? throw Missing(name, role, "String (text)");
        if (column.Kind != SchemaShape.Column.VectorKind.Scalar || column.ItemType is not TextDataViewType)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Column '{name}' ({role}) must be String (text), but is {Describe(column)}.");
    }

    /// <summary>
    /// Finds a column of token ids: a (usually variable-length) vector of key type, as ML.NET's
    /// <c>MapValueToKey</c>, <c>TokenizeIntoCharactersAsKeys</c> and ArML's tokenizers produce.
    /// </summary>
    public static DataViewSchema.Column RequireTokenKeys(DataViewSchema schema, string name, string role = "token")
    {
        var column = Require(schema, name, role, "Vector<Key>");
        if (column.Type is not VectorDataViewType { ItemType: KeyDataViewType key } || key.Count == 0 || key.Count > int.MaxValue - 1)
            throw Mismatch(name, role, "a vector of keys with a known key count (token ids)", column.Type);
        return column;
    }

    /// <summary>Checks the shape of a token column before fitting.</summary>
    public static void RequireTokenKeys(SchemaShape schema, string name, string role = "token")
    {
        var column = Find(schema, name) ?? throw Missing(name, role, "Vector<Key>");
        if (column.Kind == SchemaShape.Column.VectorKind.Scalar || !column.IsKey)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Column '{name}' ({role}) must be a vector of keys (token ids), but is {Describe(column)}.");
    }

    /// <summary>Finds a column of exactly <paramref name="type"/>.</summary>
    public static DataViewSchema.Column RequireType(DataViewSchema schema, string name, DataViewType type, string role = "input")
    {
        string expected = type.ToString() ?? type.RawType.Name;
        var column = Require(schema, name, role, expected);
        if (!column.Type.Equals(type)) throw Mismatch(name, role, expected, column.Type);
        return column;
    }

    /// <summary>The column named <paramref name="name"/> in <paramref name="schema"/>, or null.</summary>
    public static SchemaShape.Column? Find(SchemaShape schema, string name)
    {
        foreach (var column in schema)
            if (column.Name == name) return column;
        return null;
    }

    private static DataViewSchema.Column Require(DataViewSchema schema, string name, string role, string expected)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var column = schema.GetColumnOrNull(name);
        if (column is null) throw Missing(name, role, expected);
        return column.Value;
    }

    private static ArgumentOutOfRangeException Missing(string name, string role, string expected) =>
        new(nameof(name), $"Column '{name}' ({role}, expected {expected}) was not found in the input schema.");

    private static ArgumentOutOfRangeException Mismatch(string name, string role, string expected, DataViewType actual) =>
        new(nameof(name), $"Column '{name}' ({role}) must be {expected}, but is {actual}.");

    private static string Describe(SchemaShape.Column column) =>
        column.Kind switch
        {
            SchemaShape.Column.VectorKind.Scalar => "",
            SchemaShape.Column.VectorKind.Vector => "Vector<",
            _ => "VarVector<",
        } + (column.IsKey ? "Key<" + column.ItemType + ">" : column.ItemType.ToString())
          + (column.Kind == SchemaShape.Column.VectorKind.Scalar ? "" : ">");
}
