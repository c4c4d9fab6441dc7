namespace ArML.Persistence;

/// <summary>
/// A dense tensor as bytes, as stored in safetensors: <paramref name="DType"/> is a safetensors dtype name
/// ("F32", "F64", "BF16", "F16", "I64", "I32", "I16", "U16", "I8", "U8", "BOOL"), data little-endian, row-major.
/// </summary>
internal sealed record TensorData(string DType, long[] Shape, byte[] Data);
