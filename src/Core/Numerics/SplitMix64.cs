namespace ArML.Numerics;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood): a Weyl sequence with increment <see cref="Gamma"/> passed through a 64-bit mixing
/// function. ArML's one definition of it: the bootstrap's index generator, the seeding of the training sampler and the
/// derivation of generation seeds all draw from here, so the same seed means the same stream everywhere.
/// </summary>
internal static class SplitMix64
{
    /// <summary>The Weyl increment: 2⁶⁴ divided by the golden ratio, odd.</summary>
    public const ulong Gamma = 0x9E3779B97F4A7C15UL;

    /// <summary>Advances <paramref name="state"/> by <see cref="Gamma"/> and returns the mixed new state.</summary>
    public static ulong Next(ref ulong state) => Mix(unchecked(state += Gamma));

    /// <summary>The output function alone: a bijection of 64-bit values that spreads every input bit over all outputs.</summary>
    public static ulong Mix(ulong z)
    {
        unchecked
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
