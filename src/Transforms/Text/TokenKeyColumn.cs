using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Text;

namespace ArML.Transforms.Text;

/// <summary>
/// The ML.NET representation of token ids: a variable-length vector of U4 keys (key = id + 1) whose key count is the
/// vocabulary size, with the vocabulary's display strings as the KeyValues annotation and the codec itself as the
/// <see cref="TokenCodecAnnotation"/>.
/// </summary>
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
            // New arrays each read, like every ArML vector getter (see DetachedVectors).
            var tokens = new ReadOnlyMemory<char>[size];
            for (int i = 0; i < size; i++) tokens[i] = codec.GetToken(i).AsMemory();
            value = new VBuffer<ReadOnlyMemory<char>>(size, tokens);
        };
        builder.Add("KeyValues", new VectorDataViewType(TextDataViewType.Instance, size), getter);
        TokenCodecAnnotation.Add(builder, codec);
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
