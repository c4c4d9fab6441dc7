using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Trainers.Density;

/// <summary>
/// Copies between float spans and float32 tensors without allocating managed arrays per call: training steps call
/// these thousands of times, and large short-lived arrays would keep the garbage collector busy.
/// </summary>
internal static class FloatTensors
{
    /// <summary>A new float32 tensor of <paramref name="shape"/> holding the first elements of <paramref name="values"/>, on <paramref name="device"/>.</summary>
    public static Tensor FromSpan(ReadOnlySpan<float> values, long[] shape, Device? device = null)
    {
        var result = empty(shape, ScalarType.Float32);
        var destination = MemoryMarshal.Cast<byte, float>(result.bytes);
        values[..destination.Length].CopyTo(destination);
        if (device is null || device.type == DeviceType.CPU) return result;
        using (result) return result.to(device);
    }

    /// <summary>Copies the elements of a float32 tensor (any device, any layout) into <paramref name="destination"/>.</summary>
    public static void CopyTo(Tensor tensor, Span<float> destination)
    {
        using var dense = tensor.detach().cpu().contiguous();
        MemoryMarshal.Cast<byte, float>(dense.bytes).CopyTo(destination);
    }
}
