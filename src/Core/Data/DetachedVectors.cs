using Microsoft.ML.Data;

namespace ArML.Data;

/// <summary>
/// How ArML's getters hand out vector values: always in new arrays, never in the destination's old ones nor in
/// arrays the getter keeps.
/// </summary>
/// <remarks>
/// ML.NET lets a <c>ValueGetter&lt;VBuffer&lt;T&gt;&gt;</c> reuse the destination's arrays, but its own
/// <c>GetColumn&lt;VBuffer&lt;T&gt;&gt;</c> (and any caller that keeps each row's VBuffer while reading the next into
/// the same variable) passes the previous row's value back as the destination: reusing it would rewrite rows the
/// caller still holds, so that e.g. <c>GetColumn(...).ToArray()</c> shows later rows' values in earlier rows. One
/// allocation per read is the price of values that stay as they were read.
/// </remarks>
internal static class DetachedVectors
{
    /// <summary>Sets <paramref name="destination"/> to a dense vector holding a copy of <paramref name="values"/>.</summary>
    public static void Write<T>(ReadOnlySpan<T> values, ref VBuffer<T> destination) =>
        destination = new VBuffer<T>(values.Length, values.ToArray());

    /// <summary>Sets <paramref name="destination"/> to a copy of <paramref name="source"/> (dense or sparse, as it is).</summary>
    public static void Write<T>(in VBuffer<T> source, ref VBuffer<T> destination)
    {
        var values = source.GetValues().ToArray();
        destination = source.IsDense
            ? new VBuffer<T>(source.Length, values)
            : new VBuffer<T>(source.Length, values.Length, values, source.GetIndices().ToArray());
    }
}
