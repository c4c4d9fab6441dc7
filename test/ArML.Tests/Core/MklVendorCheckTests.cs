using System.Runtime.InteropServices;
using ArML.Tests.Support;
using ArML.Torch;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Core;

public class MklVendorCheckTests
{
    [Fact]
    public void TheOverrideAnswersMklWhereItApplies()
    {
        TorchRuntime.EnsureInitialized();
        if (!MklVendorCheck.Applies || !TorchRuntime.Options.MklKernelsByInstructionSet) return;   // an Intel processor, another OS, or switched off
        Assert.True(MklVendorCheck.Applied);
        // The first definition in the global scope is the one libtorch_cpu.so's calls bind to: it must be the override's.
        IntPtr function = dlsym(IntPtr.Zero, "mkl_serv_intel_cpu_true");   // RTLD_DEFAULT
        Assert.NotEqual(IntPtr.Zero, function);
        Assert.Equal(1, Marshal.GetDelegateForFunctionPointer<IntFunction>(function)());
    }

    [Fact]
    public void Float32ProductsStayWithinRoundingOfFloat64()
    {
        TorchRuntime.EnsureInitialized();
        const int m = 97, k = 131, n = 67;   // odd sizes: every kernel's edge handling takes part
        var random = new Random(11);
        double[] a = Enumerable.Range(0, m * k).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] b = Enumerable.Range(0, k * n).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        using var product = matmul(tensor(a, [m, k]).to_type(ScalarType.Float32), tensor(b, [k, n]).to_type(ScalarType.Float32));
        var actual = product.data<float>().ToArray();
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double expected = 0, magnitude = 0;
                for (int t = 0; t < k; t++)
                {
                    expected += a[i * k + t] * b[t * n + j];
                    magnitude += Math.Abs(a[i * k + t] * b[t * n + j]);
                }
                // Worst case of a float32 dot product of length k, plus rounding both inputs to float32.
                double bound = (k + 2) * Float32Rounding.Unit * magnitude;
                Assert.True(Math.Abs(actual[i * n + j] - expected) <= bound, $"[{i},{j}]: {actual[i * n + j]} vs {expected} (bound {bound:E2})");
            }
    }

    [Fact]
    public void TheSharedObjectIsAnElf64SharedLibraryForX64()
    {
        byte[] file = MklVendorCheck.SharedObject();
        Assert.Equal("\u007fELF"u8.ToArray(), file[..4]);
        Assert.Equal(2, file[4]);                                           // 64-bit
        Assert.Equal(3, BitConverter.ToUInt16(file, 16));                   // ET_DYN
        Assert.Equal(62, BitConverter.ToUInt16(file, 18));                  // EM_X86_64
        Assert.Contains("mkl_serv_intel_cpu_true", System.Text.Encoding.ASCII.GetString(file));
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int IntFunction();

    [DllImport("libc")]
    private static extern IntPtr dlsym(IntPtr handle, string name);
}
