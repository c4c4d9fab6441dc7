using System.Runtime.InteropServices;
using ArML.Torch;
using Xunit;

namespace ArML.Tests.Core;

public class NativeHeapTuningTests
{
    [Fact]
    public void GlibcKeepsBlocksUpToThirtyTwoMebibytesInItsHeap()
    {
        TorchRuntime.EnsureInitialized();
        bool glibc = OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out var libc) && NativeLibrary.TryGetExport(libc, "gnu_get_libc_version", out _);
        bool userChose = new[] { "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_THRESHOLD_" }.Any(n => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(n)))
                         || (Environment.GetEnvironmentVariable("GLIBC_TUNABLES")?.Contains("glibc.malloc.", StringComparison.Ordinal) ?? false);
        if (!glibc || userChose || !TorchRuntime.Options.KeepFreedNativeMemory)
        {
            Assert.False(NativeHeapTuning.Applied);   // another C library, or the user's own settings: left alone
            return;
        }
        Assert.True(NativeHeapTuning.Applied);
        // The mmap threshold is fixed at 32 MiB: a block just under it comes from a heap (glibc's mmapped bytes do not
        // grow by it), and once freed it stays there for the next one (the heap's free bytes grow by it: not trimmed).
        // With glibc's dynamic thresholds it would be mapped and unmapped in a process that never freed a mapped
        // block of its size.
        int size = NativeHeapTuning.HeapBlockLimit - (1 << 20);
        var (mapped, kept) = HoldAndFree(size);
        Assert.True(mapped < size / 2, $"a {size >> 20} MiB block was mapped on its own ({mapped >> 20} MiB)");
        Assert.True(kept >= size, $"the freed {size >> 20} MiB block was returned to the kernel (free heap bytes grew by {kept >> 20} MiB)");
    }

    [Fact]
    public void SwitchingItAfterLibtorchLoadedIsRefused()
    {
        TorchRuntime.EnsureInitialized();
        var other = TorchRuntime.Options with { KeepFreedNativeMemory = !TorchRuntime.Options.KeepFreedNativeMemory };
        var error = Assert.Throws<InvalidOperationException>(() => TorchRuntime.Configure(other));
        Assert.Contains("native heap", error.Message);
    }

    // How much glibc's mmapped total grows while a block of this many bytes is held, and how much its free heap bytes
    // grow once it is freed (other threads allocate too: only differences of the block's order of size mean anything).
    private static (long Mapped, long Kept) HoldAndFree(int bytes)
    {
        var before = mallinfo2();
        IntPtr block = Marshal.AllocHGlobal(bytes);   // malloc on Unix
        Marshal.Copy(new byte[4096], 0, block, 4096);
        long mapped = (long)mallinfo2().hblkhd - (long)before.hblkhd;
        Marshal.FreeHGlobal(block);
        return (mapped, (long)mallinfo2().fordblks - (long)before.fordblks);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    [DllImport("libc.so.6")]
    private static extern MallInfo2 mallinfo2();
}
