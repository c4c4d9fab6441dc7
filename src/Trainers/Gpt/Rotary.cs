using static TorchSharp.torch;

namespace ArML.Trainers.Gpt;

/// <summary>
/// Rotary position embeddings: each pair of query/key features (i, i + hs/2) is rotated by an angle proportional
/// to the position, so attention scores depend on relative positions only. No parameters.
/// </summary>
internal static class Rotary
{
    private const double Base = 10000.0;

    /// <summary>Rotates <paramref name="x"/> of shape (B, nh, T, hs) by position.</summary>
    public static Tensor Apply(Tensor x)
    {
        long t = x.shape[2], hs = x.shape[3], half = hs / 2;
        using var scope = NewDisposeScope();
        var precision = x.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;   // angles in at least float32
        var frequencies = exp(arange(0, half, dtype: precision, device: x.device) * (-Math.Log(Base) / half));   // Base^(−i/half)
        var angles = outer(arange(t, dtype: precision, device: x.device), frequencies);                     // (T, hs/2)
        var cos = cat([angles.cos(), angles.cos()], -1).to_type(x.dtype);                                          // (T, hs)
        var sin = cat([angles.sin(), angles.sin()], -1).to_type(x.dtype);
        var first = x.narrow(-1, 0, half);
        var second = x.narrow(-1, half, half);
        var rotatedHalf = cat([-second, first], -1);                                                               // rotate each pair by 90°
        return (x * cos + rotatedHalf * sin).MoveToOuterDisposeScope();
    }
}
