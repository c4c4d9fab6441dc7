namespace ArML.Persistence;

/// <summary>
/// The safetensors dtypes ArML reads and writes, and the byte-count arithmetic shared by the safetensors code and
/// the torch conversions. Sizes are computed with overflow checks because shapes may come from untrusted files.
/// </summary>
internal static class TensorDTypes
{
    private static readonly Dictionary<string, int> Sizes = new(StringComparer.Ordinal)
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2,
        ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["U16"] = 2, ["I8"] = 1, ["U8"] = 1, ["BOOL"] = 1,
    };

    internal static IReadOnlyCollection<string> Names => Sizes.Keys;

    internal static bool TryGetElementSize(string? dtype, out int size)
    {
        size = 0;
        return dtype != null && Sizes.TryGetValue(dtype, out size);
    }

    /// <summary>Bytes a tensor of this dtype and shape occupies, or null if a dimension is negative or the product overflows.</summary>
    internal static long? ByteCount(int elementSize, IReadOnlyList<long> shape)
    {
        long count = elementSize;
        foreach (long d in shape)
        {
            if (d < 0) return null;
            try { count = checked(count * d); }
            catch (OverflowException) { return null; }
        }
        return count;
    }

    /// <summary>Why <paramref name="tensor"/> is not self-consistent, or null when it is.</summary>
    internal static string? Problem(TensorData? tensor)
    {
        if (tensor is null) return "it is null";
        if (tensor.Shape is null) return "its shape is null";
        if (tensor.Data is null) return "its data is null";
        if (!TryGetElementSize(tensor.DType, out int size))
            return $"its dtype '{tensor.DType}' is not one of {string.Join(", ", Names)}";
        long? expected = ByteCount(size, tensor.Shape);
        if (expected is null) return $"its shape [{string.Join(", ", tensor.Shape)}] has a negative dimension or is too large";
        if (expected.Value != tensor.Data.LongLength)
            return $"it holds {tensor.Data.LongLength} bytes but dtype {tensor.DType} and shape [{string.Join(", ", tensor.Shape)}] need {expected.Value}";
        return null;
    }
}
