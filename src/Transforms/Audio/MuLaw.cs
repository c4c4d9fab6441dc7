namespace ArML.Transforms.Audio;

/// <summary>
/// μ-law companding (ITU-T G.711's curve, continuous form) with μ = levels − 1: F(x) = sign(x)·ln(1 + μ|x|)/ln(1 + μ)
/// maps [−1, 1] onto [−1, 1], spending the levels where quiet audio lives; the levels are the <c>levels</c> points
/// 2k/μ − 1 (k = 0 … μ), equally spaced on F's scale, and encoding rounds F(x) to the nearest one (a tie, such as x = 0 when μ is odd, to
/// the one above).
/// </summary>
/// <remarks>
/// Decoding returns F⁻¹ of the level, ((1 + μ)^|y| − 1)/μ with y's sign. Because F(x) is within half a step (1/μ) of
/// the level, |x − decode(encode(x))| ≤ (|x| + 1/μ)·((1 + μ)^(1/μ) − 1): about 2.2 % of |x| plus 8.6e-5 at 256 levels.
/// Computed in float64 and rounded to float32 once.
/// </remarks>
internal static class MuLaw
{
    /// <summary>Fewest levels (μ = 1).</summary>
    public const int MinLevels = 2;

    /// <summary>Most levels: a U2 key's range, far finer than any audio needs.</summary>
    public const int MaxLevels = 65536;

    /// <summary>The level (0 … levels − 1) of <paramref name="x"/>, which must be a number in [−1, 1].</summary>
    public static int Encode(float x, int levels)
    {
        int mu = levels - 1;
        double y = Math.CopySign(Math.Log(1 + mu * Math.Abs((double)x)) / Math.Log(1 + mu), x);
        return Math.Clamp((int)Math.Floor((y + 1) / 2 * mu + 0.5), 0, mu);
    }

    /// <summary>The sample in [−1, 1] that level <paramref name="level"/> (0 … levels − 1) stands for.</summary>
    public static float Decode(int level, int levels)
    {
        int mu = levels - 1;
        double y = 2.0 * level / mu - 1;
        return (float)Math.CopySign((Math.Pow(1 + mu, Math.Abs(y)) - 1) / mu, y);
    }

    /// <summary>Throws unless <paramref name="levels"/> is in <see cref="MinLevels"/> … <see cref="MaxLevels"/>.</summary>
    public static void CheckLevels(int levels, string parameterName)
    {
        if (levels is < MinLevels or > MaxLevels)
            throw new ArgumentOutOfRangeException(parameterName, $"levels must be in {MinLevels}..{MaxLevels}, but is {levels}.");
    }
}
