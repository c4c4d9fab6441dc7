namespace ArML.Torch;

/// <summary>How OpenMP threads wait for work between libtorch operations.</summary>
public enum OmpWaitPolicy
{
    /// <summary>
    /// Threads spin briefly (GOMP_SPINCOUNT=3000), then sleep: within a few percent of full spinning on an idle
    /// machine and faster than sleeping at once when other processes share the cores (ArML's default).
    /// </summary>
    BriefSpin,
    /// <summary>Threads sleep as soon as they are idle (OMP_WAIT_POLICY=PASSIVE).</summary>
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

    /// <summary>
    /// OpenMP wait policy; default <see cref="OmpWaitPolicy.BriefSpin"/>. OMP_WAIT_POLICY or GOMP_SPINCOUNT already
    /// set in the environment win.
    /// </summary>
    public OmpWaitPolicy WaitPolicy { get; init; } = OmpWaitPolicy.BriefSpin;
}
