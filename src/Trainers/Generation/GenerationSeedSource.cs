using Microsoft.ML;

namespace ArML.Trainers.Generation;

/// <summary>
/// The seeds a language-model transformer's <c>Generate</c> shortcuts use when called without one: a series started
/// from one seed drawn from the MLContext that fitted or loaded the transformer, as an ML.NET component draws from the
/// host its context registered. A seeded context thus gives the same sequence of texts in every run, and successive
/// calls differ. Copies of a transformer (<c>With…</c>) share the series. Thread-safe.
/// </summary>
internal sealed class GenerationSeedSource
{
    private readonly int _start;
    private long _drawn;

    private GenerationSeedSource(int start) => _start = start;

    /// <summary>A series started from the next seed of <paramref name="host"/> (a trainer's, say).</summary>
    public static GenerationSeedSource Draw(ArmlHost host) => new(host.NextSeed());

    /// <summary>A series started from a seed drawn from <paramref name="context"/>; null without a context.</summary>
    public static GenerationSeedSource? Draw(MLContext? context)
    {
        if (context is null) return null;
        using var host = ArmlHost.Create(context, "Generation");
        return Draw(host);
    }

    /// <summary>The next seed of the series.</summary>
    public int Next() => GenerationSeeds.Derive(_start, Interlocked.Increment(ref _drawn) - 1);
}
