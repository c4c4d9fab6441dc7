using ArML.Persistence;
using TorchSharp;

namespace ArML.Torch;

/// <summary>Exact, byte-for-byte conversions between torch tensors and <see cref="TensorData"/> (safetensors layout).</summary>
internal static class TensorConversions
{
    private static readonly (torch.ScalarType Type, string DType)[] Mapping =
    [
        (torch.ScalarType.Float32, "F32"), (torch.ScalarType.Float64, "F64"),
        (torch.ScalarType.BFloat16, "BF16"), (torch.ScalarType.Float16, "F16"),
        (torch.ScalarType.Int64, "I64"), (torch.ScalarType.Int32, "I32"), (torch.ScalarType.Int16, "I16"),
        (torch.ScalarType.Int8, "I8"), (torch.ScalarType.Byte, "U8"), (torch.ScalarType.Bool, "BOOL"),
    ];

    /// <summary>
    /// Copies <paramref name="tensor"/> (from any device, any memory layout) into a new <see cref="TensorData"/>
    /// with the same dtype, shape and bytes. The tensor itself is not changed or disposed.
    /// </summary>
    /// <exception cref="NotSupportedException">The dtype has no safetensors counterpart in ArML (e.g. complex, quantized).</exception>
    public static TensorData ToTensorData(this torch.Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        TorchRuntime.EnsureInitialized();
        RequireLittleEndian();
        string dtype = DTypeOf(tensor.dtype);
        using var scope = torch.NewDisposeScope();
        // contiguous() after cpu(): bytes must be the dense row-major image, not a strided view of a larger storage.
        var dense = tensor.detach().cpu().contiguous();
        byte[] data = dense.numel() == 0 ? [] : dense.bytes.ToArray();
        return new TensorData(dtype, dense.shape.ToArray(), data);
    }

    /// <summary>Creates a new CPU tensor holding exactly <paramref name="data"/>'s bytes, dtype and shape.</summary>
    /// <exception cref="ArgumentException">The bytes do not match the dtype and shape.</exception>
    /// <exception cref="NotSupportedException">The dtype has no torch counterpart (U16).</exception>
    public static torch.Tensor ToTensor(this TensorData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        TorchRuntime.EnsureInitialized();
        RequireLittleEndian();
        if (TensorDTypes.Problem(data) is string problem)
            throw new ArgumentException($"The tensor data is inconsistent: {problem}.", nameof(data));
        var type = ScalarTypeOf(data.DType);
        var tensor = torch.empty(data.Shape, type);
        try
        {
            if (data.Data.Length > 0) data.Data.CopyTo(tensor.bytes);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    private static string DTypeOf(torch.ScalarType type)
    {
        foreach (var (t, d) in Mapping) if (t == type) return d;
        throw new NotSupportedException($"Tensors of dtype {type} cannot be stored as ArML tensor data.");
    }

    private static torch.ScalarType ScalarTypeOf(string dtype)
    {
        foreach (var (t, d) in Mapping) if (d == dtype) return t;
        throw new NotSupportedException($"Tensor data of dtype {dtype} has no torch counterpart in TorchSharp.");
    }

    // Both torch's in-memory layout and safetensors are little-endian only on little-endian hosts.
    private static void RequireLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("ArML's tensor serialization requires a little-endian machine.");
    }
}
