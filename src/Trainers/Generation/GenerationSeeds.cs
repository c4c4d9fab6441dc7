using ArML.Numerics;

namespace ArML.Trainers.Generation;

/// <summary>Derives independent seeds from one: per sequence of a prompt, per row of a data view.</summary>
internal static class GenerationSeeds
{
    /// <summary>The seed of stream <paramref name="stream"/> under <paramref name="seed"/>: distinct pairs give distinct seeds.</summary>
    public static long Stream(int seed, long stream) => unchecked((long)(uint)seed | (stream << 32));

    /// <summary>An int seed for item <paramref name="item"/> of a series started from <paramref name="seed"/> (SplitMix64 finalizer).</summary>
    public static int Derive(int seed, long item)
        => unchecked((int)SplitMix64.Mix((ulong)Stream(seed, item + 1) * SplitMix64.Gamma));
}
