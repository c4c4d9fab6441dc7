using Microsoft.ML;

namespace ArML.Persistence;

/// <summary>Where loaded ArML components compute: as <c>MLContext.GpuDeviceId</c> and <c>FallbackToCpu</c>.</summary>
public sealed record ArmlLoadContext
{
    /// <summary>CUDA device for neural components; null (default) for the CPU.</summary>
    public int? GpuDeviceId { get; init; }

    /// <summary>Use the CPU when the requested GPU is unavailable; default true.</summary>
    public bool FallbackToCpu { get; init; } = true;

    /// <summary>
    /// The context whose seeded random source loaded language models draw their generation seeds from; null when the
    /// load was not given one (<c>LoadArml</c> cannot see the MLContext behind <c>mlContext.Model</c>).
    /// </summary>
    internal MLContext? SeedContext { get; private init; }

    /// <summary>
    /// Loads as <paramref name="mlContext"/> would: its <c>GpuDeviceId</c> and <c>FallbackToCpu</c>, and its seeded
    /// random source for the seeds that a loaded language model's <c>Generate</c> shortcuts use when called without one
    /// (so <c>new MLContext(seed: 1)</c> gives the same texts in every run, as for a model it fitted).
    /// </summary>
    /// <param name="mlContext">The context to load with.</param>
    public static ArmlLoadContext For(MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new ArmlLoadContext { GpuDeviceId = mlContext.GpuDeviceId, FallbackToCpu = mlContext.FallbackToCpu, SeedContext = mlContext };
    }
}
