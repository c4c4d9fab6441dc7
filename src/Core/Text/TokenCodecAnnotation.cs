using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Text;

/// <summary>
/// An annotation on a token column that carries the <see cref="ITokenCodec"/> which produced it, so components
/// downstream (decoding, sampling) use the exact codec instead of re-deriving one from the key values, which is only
/// exact for character vocabularies. It lives in memory only: ML.NET transforms may drop it, and nothing saves it.
/// </summary>
internal static class TokenCodecAnnotation
{
    /// <summary>The annotation's name.</summary>
    public const string Name = "ArML.TokenCodec";

    /// <summary>The annotation's type: a single <see cref="ITokenCodec"/> value.</summary>
    public static DataViewType Type { get; } = new CodecType();

    /// <summary>Adds <paramref name="codec"/> to an annotation builder.</summary>
    public static void Add(DataViewSchema.Annotations.Builder builder, ITokenCodec codec)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(codec);
        ValueGetter<ITokenCodec> getter = (ref ITokenCodec value) => value = codec;
        builder.Add(Name, Type, getter);
    }

    /// <summary>The codec carried by <paramref name="column"/>, or null.</summary>
    public static ITokenCodec? Get(DataViewSchema.Column column)
    {
        var annotation = column.Annotations.Schema.GetColumnOrNull(Name);
        if (annotation is null || annotation.Value.Type != Type) return null;
        ITokenCodec? codec = null;
        column.Annotations.GetValue(Name, ref codec);
        return codec;
    }

    /// <summary>The codec of a token column: the carried one, else one over its key values (<see cref="CharacterKeysCodec.FromColumn"/>), else null.</summary>
    public static ITokenCodec? CodecOf(DataViewSchema.Column column) => Get(column) ?? CharacterKeysCodec.FromColumn(column);

    private sealed class CodecType() : StructuredDataViewType(typeof(ITokenCodec))
    {
        public override bool Equals(DataViewType? other) => other is CodecType;

        public override int GetHashCode() => typeof(CodecType).GetHashCode();

        public override string ToString() => "ArML token codec";
    }
}
