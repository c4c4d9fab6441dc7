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

    /// <summary>
    /// Whether libtorch's MKL may pick its float32 matrix-product kernels by the processor's instruction set on
    /// processors that are not Intel's (default true; Linux x64 only). MKL otherwise runs its AVX2 kernels on every
    /// other vendor's processor, AVX-512 ones included: on an AMD EPYC with AVX-512 this makes float32 products about
    /// 2.5× faster per core. It works by defining the one function through which MKL asks for the vendor, before
    /// libtorch loads; set false to leave MKL's own choice.
    /// </summary>
    public bool MklKernelsByInstructionSet { get; init; } = true;

    /// <summary>
    /// Whether glibc's allocator keeps the memory libtorch frees inside the process while a model trains (default
    /// true; Linux with glibc only), instead of handing it back to the kernel at every step and faulting it in again at
    /// the next. The free memory is handed back when training ends (glibc's malloc_trim). glibc's settings are
    /// process-wide: after the first training its mmap and trim thresholds stay at 32 and 64 MiB, the most its own
    /// adjustment reaches. Malloc settings in the environment (GLIBC_TUNABLES, MALLOC_*_) always win. Read when each
    /// training starts.
    /// </summary>
    public bool KeepNativeMemoryWhileTraining { get; init; } = true;
}
