using System.Runtime.InteropServices;

namespace ArML.Trainers.Density;

/// <summary>
/// Hands the C heap's free memory back to the operating system after a scoring pass, on Linux (glibc).
/// </summary>
/// <remarks>
/// Why: libtorch takes its CPU tensors from malloc. glibc serves a block above its mmap threshold with its own
/// mapping, but raises that threshold (up to 32 MB) each time such a block is freed, so from the second batch on a
/// forward pass's activations (a PixelCNN's are megabytes each) come from the heap. Freed heap memory stays resident
/// and, with activations of varying sizes, fragments: scoring MNIST with a PixelCNN grew by about a gigabyte per few
/// hundred rows although no tensor outlived its batch. malloc_trim releases every free page of every arena.
/// </remarks>
internal static class NativeHeap
{
    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>Releases free heap pages to the operating system; does nothing where glibc is absent.</summary>
    public static void Trim()
    {
        if (_unavailable) return;
        try
        {
            malloc_trim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // musl and other C libraries have no malloc_trim (musl returns freed memory by itself).
            _unavailable = true;
        }
    }

    [DllImport("libc")]
    private static extern int malloc_trim(nuint pad);
}
