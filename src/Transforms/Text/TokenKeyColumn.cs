using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Text;

namespace ArML.Transforms.Text;

/// <summary>The ML.NET representation of token ids: a variable-length vector of U4 keys carrying its vocabulary.</summary>
internal static class TokenKeyColumn
{
    public static VectorDataViewType Type(int vocabularySize) =>
        new(new KeyDataViewType(typeof(uint), vocabularySize));

    public static DataViewSchema.Annotations Annotations(ITokenCodec codec)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        int size = codec.VocabularySize;
        ValueGetter<VBuffer<ReadOnlyMemory<char>>> getter = (ref VBuffer<ReadOnlyMemory<char>> value) =>
        {
            var editor = VBufferEditor.Create(ref value, size);
            for (int i = 0; i < size; i++) editor.Values[i] = codec.GetToken(i).AsMemory();
            value = editor.Commit();
        };
        builder.Add("KeyValues", new VectorDataViewType(TextDataViewType.Instance, size), getter);
        return builder.ToAnnotations();
    }

    /// <summary>The schema of just this column, for <c>GetOutputSchema(SchemaShape)</c>.</summary>
    public static DataViewSchema SchemaOf(string name, ITokenCodec codec)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(name, Type(codec.VocabularySize), Annotations(codec));
        return builder.ToSchema();
    }
}
