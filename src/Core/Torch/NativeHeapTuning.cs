using System.Runtime.InteropServices;

namespace ArML.Torch;

/// <summary>
/// Tells glibc's allocator, which libtorch allocates every CPU tensor from, to keep freed memory for reuse instead of
/// handing it back to the kernel after each training step.
/// </summary>
/// <remarks>
/// A training step allocates its activations and frees them all at the end. With glibc's defaults the freed top of
/// the heap is returned to the kernel (trimmed) once it exceeds twice the largest block so far served by mmap, and
/// the next step takes it back one 4 KiB page fault at a time: a perf profile of nanoGPT's small configuration
/// showed a tenth of the step in the kernel's fault path and malloc. Setting the thresholds fixes them (glibc's
/// dynamic adjustment stops): blocks up to 32 MiB (glibc's largest) come from the heap, and up to 512 MiB of freed
/// heap stay mapped. Measured (bench gpt-speed, small configuration, bfloat16, 2 threads, same window): 39.0k →
/// 44.6k tokens/s, peak memory unchanged (the high-water mark is the same; only what is kept after it differs).
/// The cost: a process that once used more keeps up to 512 MiB of freed heap resident. Linux with glibc only, and
/// only where neither MALLOC_TRIM_THRESHOLD_, MALLOC_TOP_PAD_, MALLOC_MMAP_THRESHOLD_ nor GLIBC_TUNABLES' malloc
/// entries set them already (the user's choice wins); see <see cref="TorchRuntimeOptions.KeepFreedNativeMemory"/>.
/// </remarks>
internal static class NativeHeapTuning
{
    // mallopt's parameter numbers (malloc.h).
    private const int TrimThreshold = -1, TopPad = -2, MmapThreshold = -3;

    /// <summary>Heap blocks up to this size (glibc's maximum for the mmap threshold on 64-bit systems).</summary>
    internal const int HeapBlockLimit = 32 << 20;

    /// <summary>Freed memory at the heap's top kept mapped, up to this much.</summary>
    internal const int KeptBytes = 512 << 20;

    private const int PadBytes = 16 << 20;

    /// <summary>Whether the thresholds were set in this process.</summary>
    public static bool Applied { get; private set; }

    /// <summary>Sets the thresholds where glibc is the C library and the environment leaves them open; never fails.</summary>
    public static unsafe bool TryApply()
    {
        if (Applied) return true;
        if (!OperatingSystem.IsLinux() || UserChose()) return false;
        if (!NativeLibrary.TryLoad("libc.so.6", out var libc)) return false;
        // gnu_get_libc_version exists only in glibc: another C library's mallopt may mean something else.
        if (!NativeLibrary.TryGetExport(libc, "gnu_get_libc_version", out _)
            || !NativeLibrary.TryGetExport(libc, "mallopt", out var address)) return false;
        var mallopt = (delegate* unmanaged<int, int, int>)address;
        // mallopt returns 1 on success; the mmap threshold first, as setting it is what ends the dynamic adjustment.
        Applied = mallopt(MmapThreshold, HeapBlockLimit) == 1
                  & mallopt(TrimThreshold, KeptBytes) == 1
                  & mallopt(TopPad, PadBytes) == 1;
        return Applied;
    }

    private static bool UserChose() =>
        new[] { "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_THRESHOLD_" }.Any(n => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(n)))
        || (Environment.GetEnvironmentVariable("GLIBC_TUNABLES")?.Contains("glibc.malloc.", StringComparison.Ordinal) ?? false);
}
