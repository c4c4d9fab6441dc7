namespace ArML.Tests.Support;

/// <summary>
/// Tolerances for comparing a float32 result with another computation of the same quantity (float32 through other
/// kernels, another batch shape or thread count, or float64), derived from float32's rounding rather than chosen
/// to make a test pass on one machine.
/// </summary>
/// <remarks>
/// Derivation. A float32 dot product of length w is off by at most w·u·Σ|aᵢbᵢ| (u = 2⁻²⁴, the unit roundoff) and in
/// practice by about √w·u·Σ|aᵢbᵢ|, its rounding errors having random signs. Each term of a score (a token's
/// log-probability) comes out of such dot products (the network's layers, then the logits), so with m standing
/// for the magnitude of what it sums (the term itself plus the log-sum-exp it subtracts, about ln V) one term is
/// off by about √w·u·m; n terms with independent errors are off by about √n·√w·u·m together. Everything else a
/// term goes through (sigmoid, tanh, exp, log, a recurrent state carrying earlier errors forward, damped by the
/// forget gate) adds errors of the same order, which <see cref="Safety"/> covers. Float64 paths differ by
/// 2⁻²⁹ times as much; such comparisons use <see cref="Float64"/>.
/// </remarks>
public static class Float32Rounding
{
    /// <summary>Unit roundoff of float32, 2⁻²⁴.</summary>
    public const double Unit = 1.0 / (1 << 24);

    /// <summary>Factor for the constants the estimate leaves out (activations, carried state, two paths' errors adding up).</summary>
    public const double Safety = 16;

    /// <summary>
    /// Tolerance for a sum of <paramref name="terms"/> float32 terms, each from dot products of length
    /// <paramref name="width"/> over values of magnitude <paramref name="magnitude"/> (see the remarks).
    /// </summary>
    public static double Sum(int terms, int width, double magnitude) =>
        Safety * Unit * Math.Sqrt(Math.Max(1, terms)) * Math.Sqrt(Math.Max(1, width)) * magnitude;

    /// <summary>
    /// Tolerance for a row's log-likelihood (<paramref name="tokens"/> predicted tokens, <paramref name="logLikelihood"/>
    /// in nats) scored by a network whose dot products have length <paramref name="width"/>, over a vocabulary of
    /// <paramref name="vocabularySize"/>: each token's term has the magnitude of its log-probability plus ln V.
    /// </summary>
    public static double RowScore(int tokens, double logLikelihood, int width, int vocabularySize) =>
        Sum(tokens, width, Math.Abs(logLikelihood) / Math.Max(1, tokens) + Math.Log(vocabularySize));

    /// <summary>Relative tolerance for float64 paths: 2⁻⁵³ per operation, with a wide margin for sums of thousands of terms.</summary>
    public const double Float64 = 1e-10;
}
