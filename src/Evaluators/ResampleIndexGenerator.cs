namespace ArML.Evaluators;

/// <summary>
/// A small, fast, seedable generator of row indices for the bootstrap: SplitMix64 (Steele, Lea and Flood's
/// output function over a Weyl sequence), with Lemire's multiply-shift to map 32 random bits onto [0, n).
/// </summary>
/// <remarks>
/// The bootstrap draws rows × resamples indices; System.Random's seeded algorithm costs several times more per
/// draw. Multiply-shift has a bias below n / 2³² per index, far below the bootstrap's own Monte Carlo error.
/// </remarks>
internal struct ResampleIndexGenerator
{
    private ulong _state;

    public ResampleIndexGenerator(long seed) => _state = unchecked((ulong)seed);

    /// <summary>The next 64 random bits.</summary>
    public ulong NextBits()
    {
        unchecked
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>A uniform index in [0, <paramref name="count"/>).</summary>
    public int Next(int count) => (int)(((NextBits() >> 32) * (ulong)count) >> 32);
}
