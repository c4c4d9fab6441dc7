using System.Runtime.InteropServices;

namespace ArML.Torch;

/// <summary>
/// Keeps the memory libtorch frees inside the process while a model trains, instead of letting glibc's allocator hand
/// it back to the kernel at every step and take it again (a page fault per 4 KiB page) at the next one.
/// </summary>
/// <remarks>
/// A training step frees its activations at the end of the backward pass and allocates them again in the next forward
/// pass. glibc hands a heap's free top back to the kernel beyond its trim threshold, unmaps a thread arena's heap once
/// it is wholly free, and maps blocks above its mmap threshold afresh each time; its own thresholds grow only as far as
/// the largest block freed so far. Measured (bench gpt-profile, nanoGPT's small GPT, float32, the batch split over two
/// threads, 300 steps): 400-900 page faults a step and 1.1-2.2 s of kernel time with glibc's own settings, about 45 a
/// step and 0.4-0.6 s with these; the baby GPT in bfloat16 (40 steps), 687k faults against 237k. The mmap threshold
/// alone made it worse, the trim threshold fixed the small GPT and the top pad (no wholly free heap unmapped) the baby.
/// While any training runs, blocks up to 32 MiB come from the heap and nothing is handed back; when the last one ends,
/// <c>malloc_trim</c> hands back every free block inside the heaps and the main heap's free top (a thread arena's free
/// top goes at that arena's next free, beyond the trim threshold), and the thresholds stay where glibc's own adjustment
/// would have taken them after freeing a 32 MiB block (mmap 32 MiB, trim 64 MiB; top pad back to 128 KiB). glibc's
/// settings are process-wide and cannot be read back, so they are not restored to what they were. Only on Linux with
/// glibc, only while <see cref="TorchRuntimeOptions.KeepNativeMemoryWhileTraining"/> is true, and never where the
/// environment sets glibc's malloc tunables (GLIBC_TUNABLES or MALLOC_*_): those win.
/// </remarks>
internal static class NativeHeap
{
    private const int TrimThreshold = -1;   // M_TRIM_THRESHOLD
    private const int TopPad = -2;          // M_TOP_PAD
    private const int MmapThreshold = -3;   // M_MMAP_THRESHOLD
    private const int LargestHeapBlock = 32 << 20;   // glibc's cap on the mmap threshold on 64-bit systems
    private const int TrimAfterTraining = 64 << 20;   // twice that, as glibc's own adjustment sets it
    private const int HeapSize = 64 << 20;            // a thread arena's heap: one wholly free is unmapped unless the pad covers it
    private const int TopPadAfterTraining = 128 << 10; // glibc's default

    private static readonly object Gate = new();
    private static int _trainings;
    private static readonly Lazy<Glibc?> Allocator = new(Glibc.TryLoad);

    /// <summary>
    /// Keeps freed native memory until the returned scope (and every other training's) is disposed; a no-op where
    /// it does not apply. Nests and may be held by several trainings at once.
    /// </summary>
    public static IDisposable KeepWhileTraining()
    {
        if (!TorchRuntime.Options.KeepNativeMemoryWhileTraining || EnvironmentSetsMalloc() || Allocator.Value is not Glibc glibc)
            return Scope.None;
        lock (Gate)
        {
            if (_trainings++ == 0)
            {
                glibc.Set(MmapThreshold, LargestHeapBlock);
                glibc.Set(TrimThreshold, int.MaxValue);
                glibc.Set(TopPad, HeapSize);
            }
        }
        return new Scope(glibc);
    }

    /// <summary>Whether any training holds the heap now (for tests).</summary>
    internal static bool Held
    {
        get { lock (Gate) return _trainings > 0; }
    }

    private static void Release(Glibc glibc)
    {
        lock (Gate)
        {
            if (--_trainings > 0) return;
            glibc.Set(TrimThreshold, TrimAfterTraining);
            glibc.Set(TopPad, TopPadAfterTraining);
            glibc.Trim();
        }
    }

    private static bool EnvironmentSetsMalloc() =>
        (Environment.GetEnvironmentVariable("GLIBC_TUNABLES") ?? "").Contains("glibc.malloc.", StringComparison.Ordinal)
        || Environment.GetEnvironmentVariables().Keys.OfType<string>().Any(k => k.StartsWith("MALLOC_", StringComparison.Ordinal) && k.EndsWith('_'));

    private sealed class Scope(Glibc? glibc) : IDisposable
    {
        public static readonly Scope None = new(null);
        private int _disposed;

        public void Dispose()
        {
            if (glibc is not null && Interlocked.Exchange(ref _disposed, 1) == 0) Release(glibc);
        }
    }

    // glibc's mallopt and malloc_trim, looked up by name: musl and other C libraries have no such settings (or stubs).
    private sealed unsafe class Glibc
    {
        private readonly delegate* unmanaged<int, int, int> _mallopt;
        private readonly delegate* unmanaged<nuint, int> _mallocTrim;

        private Glibc(IntPtr mallopt, IntPtr mallocTrim)
        {
            _mallopt = (delegate* unmanaged<int, int, int>)mallopt;
            _mallocTrim = (delegate* unmanaged<nuint, int>)mallocTrim;
        }

        public static Glibc? TryLoad()
        {
            if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc)) return null;
            return NativeLibrary.TryGetExport(libc, "gnu_get_libc_version", out _)
                   && NativeLibrary.TryGetExport(libc, "mallopt", out var mallopt)
                   && NativeLibrary.TryGetExport(libc, "malloc_trim", out var trim)
                ? new Glibc(mallopt, trim) : null;
        }

        public void Set(int parameter, int value) => _ = _mallopt(parameter, value);   // 0 where refused: glibc's own setting stays

        public void Trim() => _ = _mallocTrim(0);
    }
}
