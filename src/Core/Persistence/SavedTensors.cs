using System.Runtime.InteropServices;

namespace ArML.Persistence;

/// <summary>A tensor a component expects in its saved weights: name, safetensors dtype and shape.</summary>
/// <param name="Name">State-dict name.</param>
/// <param name="DType">Safetensors dtype, e.g. "F32".</param>
/// <param name="Shape">Dimensions.</param>
internal sealed record TensorSpec(string Name, string DType, long[] Shape);

/// <summary>
/// Checks tensors read from a model file against what the component's saved configuration implies, before any
/// network is built from that configuration. A configuration is only a claim: a small file may declare a huge
/// network, and building it first would allocate what the claim says. Comparing the claim with the tensors the file
/// really holds bounds every allocation by the file's own size.
/// </summary>
internal static class SavedTensors
{
    /// <summary>
    /// Requires <paramref name="tensors"/> to hold exactly the <paramref name="expected"/> tensors, each with the
    /// expected dtype and shape, and every floating-point value finite.
    /// </summary>
    /// <param name="tensors">What the file holds.</param>
    /// <param name="expected">What the configuration implies.</param>
    /// <param name="what">The component and file, for messages (e.g. "The GPT language model's weights.safetensors").</param>
    /// <exception cref="ArmlModelFormatException">A tensor is missing, unexpected, of another dtype or shape, or holds NaN or infinity; the message names it.</exception>
    public static void Require(IReadOnlyDictionary<string, TensorData> tensors, IEnumerable<TensorSpec> expected, string what)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(expected);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in expected)
        {
            names.Add(spec.Name);
            if (!tensors.TryGetValue(spec.Name, out var tensor))
                throw new ArmlModelFormatException($"{what} lacks tensor '{spec.Name}', which its configuration implies ({Describe(spec.DType, spec.Shape)}).");
            if (tensor.DType != spec.DType || !tensor.Shape.AsSpan().SequenceEqual(spec.Shape))
                throw new ArmlModelFormatException(
                    $"{what}: tensor '{spec.Name}' is {Describe(tensor.DType, tensor.Shape)}, but the configuration implies {Describe(spec.DType, spec.Shape)}.");
            RequireFinite(spec.Name, tensor, what);
        }
        foreach (string name in tensors.Keys)
            if (!names.Contains(name))
                throw new ArmlModelFormatException($"{what} holds tensor '{Shorten(name)}', which its configuration does not imply.");
    }

    /// <summary>Requires every value of a floating-point tensor to be finite (other dtypes pass).</summary>
    /// <exception cref="ArmlModelFormatException">A value is NaN or infinite; the message names the tensor and the element.</exception>
    public static void RequireFinite(string name, TensorData tensor, string what)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        long bad = tensor.DType switch
        {
            "F32" => FirstNonFinite(MemoryMarshal.Cast<byte, float>(tensor.Data)),
            "F64" => FirstNonFinite(MemoryMarshal.Cast<byte, double>(tensor.Data)),
            "F16" => FirstNonFinite(MemoryMarshal.Cast<byte, Half>(tensor.Data)),
            _ => -1,
        };
        if (bad >= 0)
            throw new ArmlModelFormatException($"{what}: tensor '{Shorten(name)}' holds a NaN or infinite value (element {bad}); weights must be finite.");
    }

    private static long FirstNonFinite<T>(ReadOnlySpan<T> values) where T : struct, System.Numerics.IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
            if (!T.IsFinite(values[i])) return i;
        return -1;
    }

    private static string Describe(string dtype, long[] shape) => $"{dtype} [{string.Join(", ", shape)}]";

    private static string Shorten(string s) => s.Length <= 120 ? s : s[..120] + "…";
}
