namespace ArML.Persistence;

/// <summary>Where loaded ArML components compute: as <c>MLContext.GpuDeviceId</c> and <c>FallbackToCpu</c>.</summary>
public sealed record ArmlLoadContext
{
    /// <summary>CUDA device for neural components; null (default) for the CPU.</summary>
    public int? GpuDeviceId { get; init; }

    /// <summary>Use the CPU when the requested GPU is unavailable; default true.</summary>
    public bool FallbackToCpu { get; init; } = true;
}
