using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Torch;

/// <summary>
/// Tensor arithmetic whose number arguments stay alive through the native call.
/// </summary>
/// <remarks>
/// TorchSharp turns a number (and the alpha of <c>a + b</c>) into a <see cref="Scalar"/> that nothing disposes and
/// passes only its raw handle to libtorch: a garbage collection during the call may run the Scalar's finalizer, and
/// libtorch then reads freed memory. Measured (two threads adding bfloat16 tensors while a third collects): 24 and 38
/// failed calls in 2.9M and 1.7M ("toBFloat16 ... Expected false to be true"), none in 3.1M with the Scalar kept
/// alive; where the freed memory still holds a number libtorch accepts, the result is silently wrong. Any thread of
/// the process can trigger that collection (a server's request threads, the other half of a split batch), so the
/// shipped code uses only these: build/TorchScalars.props bans TorchSharp's own forms (RS0030).
/// </remarks>
internal static class KeptScalar
{
    // Never collected, so never finalized.
    private static readonly Scalar One = 1.ToScalar();

    /// <summary><paramref name="a"/> + <paramref name="b"/>.</summary>
    public static Tensor Add(Tensor a, Tensor b) => a.add(b, One);

    /// <summary><paramref name="a"/> += <paramref name="b"/>, in place.</summary>
    public static Tensor AddInPlace(Tensor a, Tensor b) => a.add_(b, One);

    /// <summary><paramref name="a"/> += <paramref name="b"/>, in place.</summary>
    public static Tensor AddInPlace(Tensor a, Scalar b) => a.add_(b, One);

    // Integer numbers get integer Scalars, as TorchSharp's own conversions give them: an integer tensor stays integer.

    /// <summary><paramref name="a"/> + <paramref name="b"/>.</summary>
    public static Tensor Add(Tensor a, long b) => With(b, s => a.add(s, One));

    /// <summary><paramref name="a"/> + <paramref name="b"/>.</summary>
    public static Tensor Add(Tensor a, double b) => With(b, s => a.add(s, One));

    /// <summary><paramref name="a"/> − <paramref name="b"/>.</summary>
    public static Tensor Sub(Tensor a, long b) => With(b, s => a.sub(s));

    /// <summary><paramref name="a"/> − <paramref name="b"/>.</summary>
    public static Tensor Sub(Tensor a, double b) => With(b, s => a.sub(s));

    /// <summary><paramref name="a"/> − <paramref name="b"/>, in place.</summary>
    public static Tensor SubInPlace(Tensor a, double b) => With(b, s => a.sub_(s));

    /// <summary><paramref name="a"/> − <paramref name="b"/>, a number minus a tensor.</summary>
    public static Tensor Sub(double a, Tensor b)
    {
        using var negated = b.neg();
        return With(a, s => negated.add(s, One));
    }

    /// <summary><paramref name="a"/> · <paramref name="b"/>.</summary>
    public static Tensor Mul(Tensor a, double b) => With(b, s => a.mul(s));

    /// <summary><paramref name="a"/> ·= <paramref name="b"/>, in place.</summary>
    public static Tensor MulInPlace(Tensor a, double b) => With(b, s => a.mul_(s));

    /// <summary><paramref name="a"/> / <paramref name="b"/>.</summary>
    public static Tensor Div(Tensor a, double b) => With(b, s => a.div(s));

    /// <summary><paramref name="a"/> clamped to [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Tensor Clamp(Tensor a, long min, long max) => Clamp(a, min.ToScalar(), max.ToScalar());

    /// <summary><paramref name="a"/> clamped to [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Tensor Clamp(Tensor a, double min, double max) => Clamp(a, min.ToScalar(), max.ToScalar());

    // Disposes the bounds it is given once the clamp has returned.
    private static Tensor Clamp(Tensor a, Scalar min, Scalar max)
    {
        using (min)
        using (max)
            return a.clamp(min, max);
    }

    /// <summary>0, 1, …, <paramref name="stop"/> − 1 as 64-bit integers on <paramref name="device"/>.</summary>
    public static Tensor Arange(long stop, Device device) => Arange(0, stop, ScalarType.Int64, device);

    /// <summary><paramref name="start"/>, …, <paramref name="stop"/> − 1 in <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    public static Tensor Arange(long start, long stop, ScalarType dtype, Device device)
    {
        using var first = start.ToScalar();
        using var end = stop.ToScalar();
        return arange(first, end, One, dtype, device);
    }

    /// <summary>Runs <paramref name="operation"/> with <paramref name="value"/> as a Scalar, disposed only after it returns.</summary>
    public static Tensor With(long value, Func<Scalar, Tensor> operation) => With(value.ToScalar(), operation);

    /// <summary>Runs <paramref name="operation"/> with <paramref name="value"/> as a Scalar, disposed only after it returns.</summary>
    public static Tensor With(double value, Func<Scalar, Tensor> operation) => With(value.ToScalar(), operation);

    private static Tensor With(Scalar scalar, Func<Scalar, Tensor> operation)
    {
        using (scalar)
            return operation(scalar);
    }
}
