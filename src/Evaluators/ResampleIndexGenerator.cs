using ArML.Numerics;

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
    public ulong NextBits() => SplitMix64.Next(ref _state);

    /// <summary>A uniform index in [0, <paramref name="count"/>).</summary>
    public int Next(int count) => (int)(((NextBits() >> 32) * (ulong)count) >> 32);
}
