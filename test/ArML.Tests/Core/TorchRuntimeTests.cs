using ArML.Torch;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Core;

public class TorchRuntimeTests
{
    [Fact]
    public void LibTorchLoadsAndMultipliesMatrices()
    {
        TorchRuntime.EnsureInitialized();
        var random = new Random(3);
        double[] a = Enumerable.Range(0, 6 * 5).Select(_ => random.NextDouble() - 0.5).ToArray();
        double[] b = Enumerable.Range(0, 5 * 4).Select(_ => random.NextDouble() - 0.5).ToArray();
        using var product = matmul(tensor(a, [6, 5]), tensor(b, [5, 4]));
        var actual = product.data<double>().ToArray();
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 4; j++)
            {
                double expected = 0;
                for (int k = 0; k < 5; k++) expected += a[i * 5 + k] * b[k * 4 + j];
                Assert.Equal(expected, actual[i * 4 + j], 12);
            }
    }

    [Fact]
    public void ThreadsFollowTheConfiguredCount()
    {
        TorchRuntime.EnsureInitialized();
        int expected = TorchRuntime.Options.Threads ?? Environment.ProcessorCount;
        Assert.Equal(expected, torch.get_num_threads());
    }

    [Fact]
    public void WaitPolicyReachesTheNativeEnvironment()
    {
        TorchRuntime.EnsureInitialized();
        // Either the user's own setting, or ArML's default set through libc before libtorch loaded.
        string name = string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY")) ? "GOMP_SPINCOUNT" : "OMP_WAIT_POLICY";
        string? value = Environment.GetEnvironmentVariable(name);
        Assert.False(string.IsNullOrEmpty(value));
        Assert.Equal(value, NativeGetEnv(name));
    }

    [Fact]
    public void NnpackIsSwitchedOffOnlyWhereItCannotStartAndConvolutionsStillCompute()
    {
        TorchRuntime.EnsureInitialized();
        // Where libtorch's switch can be read, it is off exactly when ArML found NNPACK unavailable.
        if (NnpackSwitch.UserEnabled() is bool enabled) Assert.Equal(!NnpackSwitch.TurnedOff, enabled);
        // A float32 NCHW convolution of the kind libtorch offers NNPACK (batch 16, 3×3, stride 1) against float64.
        var random = new Random(5);
        using var scope = NewDisposeScope();
        var input = tensor(Enumerable.Range(0, 16 * 4 * 8 * 8).Select(_ => random.NextDouble() - 0.5).ToArray(), [16, 4, 8, 8]);
        var weight = tensor(Enumerable.Range(0, 8 * 4 * 3 * 3).Select(_ => random.NextDouble() - 0.5).ToArray(), [8, 4, 3, 3]);
        var expected = nn.functional.conv2d(input, weight, padding: [1, 1]);
        var actual = nn.functional.conv2d(input.to_type(ScalarType.Float32), weight.to_type(ScalarType.Float32), padding: [1, 1]).to_type(ScalarType.Float64);
        // 36 products of values below 0.5 in magnitude: float32 rounding stays far below 1e-4.
        Assert.True((actual - expected).abs().max().item<double>() < 1e-4);
    }

    [Fact]
    public void CpuIsChosenWithoutAGpuRequest()
    {
        Assert.Equal(DeviceType.CPU, TorchRuntime.SelectDevice(gpuDeviceId: null, fallbackToCpu: false).type);
    }

    [Fact]
    public void UnavailableGpuFallsBackOrFailsClearly()
    {
        if (torch.cuda.is_available()) return; // a CUDA machine: the device exists, nothing to fall back from
        Assert.Equal(DeviceType.CPU, TorchRuntime.SelectDevice(0, fallbackToCpu: true).type);
        var error = Assert.Throws<InvalidOperationException>(() => TorchRuntime.SelectDevice(0, fallbackToCpu: false));
        Assert.Contains("FallbackToCpu", error.Message);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr GetEnv(string name);

    private static string? NativeGetEnv(string name) => System.Runtime.InteropServices.Marshal.PtrToStringAnsi(GetEnv(name));
}
