using ArML.Schema;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Core;

public class SchemaShapeShimTests
{
    [Fact]
    public void CreateDescribesEveryColumnKind()
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Text", TextDataViewType.Instance);
        builder.AddColumn("Keys", new VectorDataViewType(new KeyDataViewType(typeof(uint), 10)));
        builder.AddColumn("Fixed", new VectorDataViewType(NumberDataViewType.Single, 3));
        var shape = SchemaShapeShim.Create(builder.ToSchema());

        Assert.Equal(["Text", "Keys", "Fixed"], shape.Select(c => c.Name));
        var text = ColumnChecks.Find(shape, "Text")!.Value;
        Assert.Equal(SchemaShape.Column.VectorKind.Scalar, text.Kind);
        Assert.IsType<TextDataViewType>(text.ItemType);
        var keys = ColumnChecks.Find(shape, "Keys")!.Value;
        Assert.True(keys.IsKey);
        Assert.Equal(SchemaShape.Column.VectorKind.VariableVector, keys.Kind);
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, ColumnChecks.Find(shape, "Fixed")!.Value.Kind);
    }

    [Fact]
    public void AppendReplacesColumnsOfTheSameName()
    {
        var input = new DataViewSchema.Builder();
        input.AddColumn("A", TextDataViewType.Instance);
        input.AddColumn("B", TextDataViewType.Instance);
        var added = new DataViewSchema.Builder();
        added.AddColumn("B", NumberDataViewType.Double);
        var shape = SchemaShapeShim.Append(SchemaShapeShim.Create(input.ToSchema()), added.ToSchema());
        Assert.Equal(["A", "B"], shape.Select(c => c.Name));
        Assert.Equal(NumberDataViewType.Double, ColumnChecks.Find(shape, "B")!.Value.ItemType);
    }
}
