using ArML.Numerics;

namespace ArML.Training;

/// <summary>
/// The random source of batch sampling (xoshiro256**, seeded through SplitMix64). Unlike <see cref="Random"/>, its
/// state can be saved in a checkpoint, so a resumed run draws exactly the batches the uninterrupted run would.
/// </summary>
internal sealed class TrainingRandom
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>A generator seeded with <paramref name="seed"/>.</summary>
    public TrainingRandom(long seed)
    {
        ulong x = (ulong)seed;
        _s0 = SplitMix64.Next(ref x);
        _s1 = SplitMix64.Next(ref x);
        _s2 = SplitMix64.Next(ref x);
        _s3 = SplitMix64.Next(ref x);
    }

    /// <summary>The generator's state, for a checkpoint.</summary>
    public ulong[] State
    {
        get => [_s0, _s1, _s2, _s3];
        set
        {
            if (value is not { Length: 4 } || value.All(v => v == 0)) throw new ArgumentException("A generator state is four words, not all zero.");
            (_s0, _s1, _s2, _s3) = (value[0], value[1], value[2], value[3]);
        }
    }

    /// <summary>A uniform 64-bit value.</summary>
    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform integer in [0, <paramref name="exclusiveMax"/>) without modulo bias.</summary>
    public long NextInt64(long exclusiveMax)
    {
        if (exclusiveMax <= 0) throw new ArgumentOutOfRangeException(nameof(exclusiveMax));
        ulong bound = (ulong)exclusiveMax;
        ulong limit = ulong.MaxValue - ulong.MaxValue % bound;
        ulong value;
        do value = NextUInt64(); while (value >= limit);
        return (long)(value % bound);
    }

    /// <summary>A uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
