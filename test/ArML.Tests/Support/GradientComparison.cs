using Xunit;

namespace ArML.Tests.Support;

/// <summary>Compares a gradient computed with reduced-precision products against the exact one.</summary>
public static class GradientComparison
{
    /// <summary>
    /// Asserts that <paramref name="mixed"/> points the way <paramref name="exact"/> does (cosine above 0.99) with a norm
    /// within 5%: bfloat16 rounding (2^-9 relative per value) moves a gradient by far less. Returns false, asserting
    /// nothing, when the exact gradient is zero (a parameter the inputs never reach).
    /// </summary>
    public static bool AssertCloseInDirectionAndNorm(string name, float[] exact, float[] mixed)
    {
        double dot = 0, normExact = 0, normMixed = 0;
        for (int i = 0; i < exact.Length; i++)
        {
            dot += (double)exact[i] * mixed[i];
            normExact += (double)exact[i] * exact[i];
            normMixed += (double)mixed[i] * mixed[i];
        }
        if (normExact < 1e-20) return false;
        Assert.True(dot / Math.Sqrt(normExact * normMixed) > 0.99, $"{name}: gradient direction changed under bfloat16");
        Assert.InRange(Math.Sqrt(normMixed / normExact), 0.95, 1.05);
        return true;
    }
}
