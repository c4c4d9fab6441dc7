using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Schema;

/// <summary>
/// The one place ArML reaches into ML.NET's non-public API: <c>SchemaShape.Create(DataViewSchema)</c> is
/// internal and <see cref="SchemaShape.Column"/> has no public constructor, yet an estimator's
/// <see cref="IEstimator{TTransformer}.GetOutputSchema"/> must return new columns. A test
/// (SchemaShapeShimTests) fails loudly if ML.NET renames or removes the method.
/// </summary>
internal static class SchemaShapeShim
{
    private static readonly Func<DataViewSchema, SchemaShape> CreateShape = Bind();

    /// <summary>The <see cref="SchemaShape"/> describing <paramref name="schema"/>.</summary>
    public static SchemaShape Create(DataViewSchema schema) => CreateShape(schema);

    /// <summary>
    /// <paramref name="input"/> with <paramref name="added"/> appended; an added column replaces an input
    /// column of the same name, as ML.NET's transformers do.
    /// </summary>
    public static SchemaShape Append(SchemaShape input, DataViewSchema added)
    {
        var replaced = new HashSet<string>(added.Select(c => c.Name));
        var kept = input.Where(c => !replaced.Contains(c.Name));
        return new SchemaShape(kept.Concat(Create(added)));
    }

    private static Func<DataViewSchema, SchemaShape> Bind()
    {
        var method = typeof(SchemaShape).GetMethod("Create",
            BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, null, [typeof(DataViewSchema)], null);
        if (method == null || method.ReturnType != typeof(SchemaShape))
            throw new MissingMethodException(
                "ArML needs the internal method Microsoft.ML.SchemaShape.Create(DataViewSchema), which this version of " +
                "ML.NET (" + typeof(SchemaShape).Assembly.GetName().Version + ") does not have. Update ArML.");
        return method.CreateDelegate<Func<DataViewSchema, SchemaShape>>();
    }
}
