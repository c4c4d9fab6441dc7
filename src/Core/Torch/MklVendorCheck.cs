using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using Microsoft.Win32.SafeHandles;

namespace ArML.Torch;

/// <summary>
/// Lets the MKL inside libtorch choose its kernels by the processor's instruction set rather than by its vendor.
/// </summary>
/// <remarks>
/// libtorch computes float32 matrix products with the MKL it links in. MKL asks one function,
/// <c>mkl_serv_intel_cpu_true</c>, whether the processor is Intel's, and on any other vendor's runs its AVX2 kernels
/// even where the processor has AVX-512: on an AMD EPYC with AVX-512 that is about 2.5× slower per core (1024³
/// sgemm, one thread: 78 against 200 GFLOP/s per CPU-second, measured through libtorch's own <c>sgemm_</c>).
/// libtorch_cpu.so calls that function through its procedure linkage table, so a definition the dynamic linker finds
/// first in the process's global scope takes its place. This class loads one: a 4 KiB shared object, written into
/// an anonymous memory file (nothing on disk), whose only symbol is that function returning 1. MKL then dispatches
/// on the instruction-set flags (AVX-512, AVX2, ...) as it does on Intel processors. Results change only as any
/// other kernel choice changes them (the order of float32 sums inside a product).
/// Applied on Linux x64 with a non-Intel processor, before libtorch loads (see
/// <see cref="TorchRuntimeOptions.MklKernelsByInstructionSet"/>); anywhere else it does nothing.
/// </remarks>
internal static class MklVendorCheck
{
    private const string Symbol = "mkl_serv_intel_cpu_true";

    /// <summary>Whether the override is loaded in this process.</summary>
    public static bool Applied { get; private set; }

    /// <summary>Whether this machine is one the override is for: Linux, x64, a processor that is not Intel's.</summary>
    public static bool Applies =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64 && X86Base.IsSupported && Vendor() != "GenuineIntel";

    /// <summary>Loads the override where it <see cref="Applies"/>; returns whether it is loaded.</summary>
    /// <remarks>Failure (no memfd_create or dlopen: another C library) leaves MKL's own choice in place.</remarks>
    public static bool TryApply()
    {
        if (Applied) return true;
        if (!Applies) return false;
        try
        {
            int fd = memfd_create("arml-mkl-dispatch", 0);
            if (fd < 0) return false;
            using (var handle = new SafeFileHandle(fd, ownsHandle: true))
            {
                RandomAccess.Write(handle, SharedObject(), 0);
                // RTLD_NOW | RTLD_GLOBAL: global, so that libtorch_cpu.so's lookups (loaded later) find it first.
                // The mapping outlives the descriptor; the library is never unloaded.
                Applied = DlOpen($"/proc/self/fd/{fd}", 0x002 | 0x100) != IntPtr.Zero;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or IOException)
        {
            return false;
        }
        return Applied;
    }

    private static string Vendor()
    {
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        Span<byte> name = stackalloc byte[12];
        BinaryPrimitives.WriteInt32LittleEndian(name, ebx);
        BinaryPrimitives.WriteInt32LittleEndian(name[4..], edx);
        BinaryPrimitives.WriteInt32LittleEndian(name[8..], ecx);
        return System.Text.Encoding.ASCII.GetString(name);
    }

    /// <summary>
    /// The smallest ELF64 x86-64 shared object glibc loads: one read/execute segment with the hash table, symbol table,
    /// string table and code (<c>mov eax, 1; ret</c>), one read/write segment with the dynamic section, and a
    /// non-executable stack.
    /// </summary>
    internal static byte[] SharedObject()
    {
        const int hash = 0x120, symbols = 0x138, strings = 0x168, code = 0x190, dynamic = 0x1000;
        byte[] names = [0, .. System.Text.Encoding.ASCII.GetBytes(Symbol), 0];
        byte[] body = [0xB8, 1, 0, 0, 0, 0xC3];
        (long Tag, long Value)[] entries = [(4, hash), (5, strings), (6, symbols), (10, names.Length), (11, 24), (0, 0)];
        var file = new byte[dynamic + entries.Length * 16];
        var span = file.AsSpan();
        // ELF header: 64-bit, little-endian, version 1, ET_DYN for EM_X86_64, program headers right after it (4 × 56 bytes).
        "\u007fELF"u8.CopyTo(span);
        span[4] = 2; span[5] = 1; span[6] = 1;
        U16(16, 3); U16(18, 62); U32(20, 1); U64(32, 64);
        U16(52, 64); U16(54, 56); U16(56, 4); U16(58, 64);
        Segment(0, type: 1, flags: 5, offset: 0, size: code + body.Length, align: 0x1000);           // PT_LOAD, R+X
        Segment(1, type: 1, flags: 6, offset: dynamic, size: entries.Length * 16, align: 0x1000);    // PT_LOAD, R+W
        Segment(2, type: 2, flags: 6, offset: dynamic, size: entries.Length * 16, align: 8);         // PT_DYNAMIC
        Segment(3, type: 0x6474E551, flags: 6, offset: 0, size: 0, align: 16);                       // PT_GNU_STACK
        // SysV hash table with one bucket: bucket[0] = symbol 1, chain[0] = chain[1] = 0 (end).
        U32(hash, 1); U32(hash + 4, 2); U32(hash + 8, 1);
        // Symbol 1 (symbol 0 stays null): name at string offset 1, STB_GLOBAL | STT_FUNC, a defined section index.
        U32(symbols + 24, 1); span[symbols + 28] = 0x12; U16(symbols + 30, 1); U64(symbols + 32, code); U64(symbols + 40, body.Length);
        names.CopyTo(span[strings..]);
        body.CopyTo(span[code..]);
        for (int i = 0; i < entries.Length; i++)
        {
            U64(dynamic + i * 16, entries[i].Tag);
            U64(dynamic + i * 16 + 8, entries[i].Value);
        }
        return file;

        void U16(int at, int value) => BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(at), (ushort)value);
        void U32(int at, long value) => BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at), (uint)value);
        void U64(int at, long value) => BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(at), value);
        void Segment(int index, uint type, uint flags, long offset, long size, long align)
        {
            int at = 64 + index * 56;
            U32(at, type); U32(at + 4, flags);
            U64(at + 8, offset); U64(at + 16, offset); U64(at + 24, offset);   // file offset = virtual = physical address
            U64(at + 32, size); U64(at + 40, size); U64(at + 48, align);
        }
    }

    private static IntPtr DlOpen(string path, int flags)
    {
        // glibc 2.34 moved dlopen into libc; older ones keep it in libdl.
        try { return dlopen(path, flags); }
        catch (EntryPointNotFoundException) { return dlopen_libdl(path, flags); }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int memfd_create(string name, uint flags);

    [DllImport("libc")]
    private static extern IntPtr dlopen(string path, int flags);

    [DllImport("libdl.so.2", EntryPoint = "dlopen")]
    private static extern IntPtr dlopen_libdl(string path, int flags);
}
