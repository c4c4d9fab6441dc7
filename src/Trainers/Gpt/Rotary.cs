using ArML.Torch;
using static TorchSharp.torch;

namespace ArML.Trainers.Gpt;

/// <summary>
/// Rotary position embeddings: each pair of query/key features (i, i + hs/2) is rotated by an angle proportional
/// to the position, so attention scores depend on relative positions only. No parameters.
/// </summary>
internal static class Rotary
{
    private const double Base = 10000.0;

    /// <summary>
    /// Rotates <paramref name="x"/> of shape (B, nh, T, hs) by position: 0..T−1, or per row the (B, T) int64
    /// <paramref name="positions"/> (decoding with a cache, where rows sit at different positions).
    /// </summary>
    public static Tensor Apply(Tensor x, Tensor? positions = null)
    {
        long t = x.shape[2], hs = x.shape[3], half = hs / 2;
        using var scope = NewDisposeScope();
        var precision = x.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;   // angles in at least float32
        var frequencies = exp(KeptScalar.Mul(KeptScalar.Arange(0, half, precision, x.device), -Math.Log(Base) / half));   // Base^(−i/half)
        var angles = positions is null
            ? outer(KeptScalar.Arange(0, t, precision, x.device), frequencies)                       // (T, hs/2)
            : (positions.to_type(precision).unsqueeze(-1) * frequencies).unsqueeze(1);                      // (B, 1, T, hs/2): one angle set per row, shared by the heads
        var cos = cat([angles.cos(), angles.cos()], -1).to_type(x.dtype);                                          // (T, hs) or (B, 1, T, hs)
        var sin = cat([angles.sin(), angles.sin()], -1).to_type(x.dtype);
        var first = x.narrow(-1, 0, half);
        var second = x.narrow(-1, half, half);
        var rotatedHalf = cat([-second, first], -1);                                                               // rotate each pair by 90°
        return KeptScalar.Add(x * cos, rotatedHalf * sin).MoveToOuterDisposeScope();
    }
}
