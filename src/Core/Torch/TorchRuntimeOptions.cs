namespace ArML.Torch;

/// <summary>How OpenMP threads wait for work between libtorch operations.</summary>
public enum OmpWaitPolicy
{
    /// <summary>Threads sleep when idle: robust when other processes share the cores (ArML's default).</summary>
    Passive,
    /// <summary>Threads spin: a few percent faster on an otherwise idle machine, far slower under contention.</summary>
    Active,
    /// <summary>Leave the environment untouched.</summary>
    LibraryDefault,
}

/// <summary>Process-wide libtorch settings, applied by <see cref="TorchRuntime.EnsureInitialized"/>.</summary>
public sealed record TorchRuntimeOptions
{
    /// <summary>Intra-op threads; null means one per logical processor.</summary>
    public int? Threads { get; init; }

    /// <summary>OpenMP wait policy; default <see cref="OmpWaitPolicy.Passive"/>. An OMP_WAIT_POLICY already set in the environment wins.</summary>
    public OmpWaitPolicy WaitPolicy { get; init; } = OmpWaitPolicy.Passive;
}
