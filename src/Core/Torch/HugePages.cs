using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Torch;

/// <summary>
/// Asks Linux to back a fresh, large CPU tensor with transparent huge pages before it is first written: filling it
/// then takes one page fault per 2 MiB instead of one per 4 KiB. Reading a 124M-parameter checkpoint into new
/// parameters spent most of its time in those faults on this VM kind (bench: hf).
/// </summary>
/// <remarks>
/// Only for buffers that are written once and kept (imported weights), not process-wide: libtorch's own switch
/// (THP_MEM_ALLOC_ENABLE) applies to every buffer of 2 MiB or more, and with it a GPT's training peak grew by half
/// (bench gpt-speed, baby configuration: 1,119 → 1,683 MiB), as freed huge pages stay in the allocator's heap.
/// Where the kernel grants huge pages only on request ("madvise") this is what gives them; where it never does,
/// or on other systems, it does nothing.
/// </remarks>
internal static class HugePages
{
    private const int MadviseHugePage = 14;   // MADV_HUGEPAGE
    private const long HugePageBytes = 2L << 20;
    private const long PageBytes = 4096;

    /// <summary>Advises huge pages for the whole 2 MiB blocks inside <paramref name="tensor"/>'s memory; never fails.</summary>
    public static unsafe void Advise(Tensor tensor)
    {
        if (!OperatingSystem.IsLinux() || tensor.device_type != DeviceType.CPU || !tensor.is_contiguous()) return;
        long bytes = tensor.NumberOfElements * tensor.ElementSize;
        if (bytes < 2 * HugePageBytes || bytes > int.MaxValue) return;   // smaller: no whole aligned block is sure to lie inside
        fixed (byte* data = tensor.bytes)
        {
            long start = ((long)data + PageBytes - 1) & ~(PageBytes - 1);
            long end = ((long)data + bytes) & ~(PageBytes - 1);
            // Advice only: an old kernel or a system without THP refuses it, and the tensor simply keeps small pages.
            _ = madvise((IntPtr)start, (nuint)(end - start), MadviseHugePage);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int madvise(IntPtr address, nuint length, int advice);
}
