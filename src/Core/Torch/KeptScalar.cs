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
/// alive; where the freed memory still holds a number libtorch accepts, the result is silently wrong. The GPT training
/// step (its halves on two threads, allocating) goes through these.
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

    /// <summary>Runs <paramref name="operation"/> with <paramref name="value"/> as a Scalar, disposed only after it returns.</summary>
    public static Tensor With(double value, Func<Scalar, Tensor> operation)
    {
        using var scalar = value.ToScalar();
        return operation(scalar);
    }
}
