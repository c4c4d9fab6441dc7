namespace ArML.Trainers.Generation;

/// <summary>Derives independent seeds from one: per sequence of a prompt, per row of a data view.</summary>
internal static class GenerationSeeds
{
    /// <summary>The seed of stream <paramref name="stream"/> under <paramref name="seed"/>: distinct pairs give distinct seeds.</summary>
    public static long Stream(int seed, long stream) => unchecked((long)(uint)seed | (stream << 32));

    /// <summary>An int seed for item <paramref name="item"/> of a series started from <paramref name="seed"/> (SplitMix64 finalizer).</summary>
    public static int Derive(int seed, long item)
    {
        ulong z = unchecked((ulong)Stream(seed, item + 1) * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return unchecked((int)(z ^ (z >> 31)));
    }
}
