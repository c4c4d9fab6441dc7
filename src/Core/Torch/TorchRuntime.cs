using System.Runtime.InteropServices;
using Microsoft.ML;
using TorchSharp;

namespace ArML.Torch;

/// <summary>
/// Loads libtorch once per process with deliberate threading settings, and picks the device ArML computes on.
/// </summary>
/// <remarks>
/// OpenMP's spin-waiting makes each libtorch operation many times slower when another process competes for the
/// cores, while sleeping at once costs about 17% on an idle machine (bench/ArML.Bench measures both). ArML's
/// default spins briefly (GOMP_SPINCOUNT=3000) and then sleeps: the idle figure within a few percent, and the
/// best of the measured policies under contention. The policy is read by
/// libtorch's OpenMP runtime from the native environment when it loads, so it must be set (through libc
/// <c>setenv</c>; .NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach the
/// native environment on Linux) before the first torch call. Call <see cref="Configure"/> before any other
/// ArML call to choose differently; <c>OMP_WAIT_POLICY</c> or <c>GOMP_SPINCOUNT</c> already set in the
/// environment always win.
/// </remarks>
public static class TorchRuntime
{
    private static readonly object Gate = new();
    private static TorchRuntimeOptions _options = new();
    private static bool _initialized;

    /// <summary>The settings in force (after <see cref="EnsureInitialized"/>, the ones libtorch loaded with).</summary>
    public static TorchRuntimeOptions Options => _options;

    /// <summary>Whether libtorch has been loaded by ArML in this process.</summary>
    public static bool IsInitialized => _initialized;

    /// <summary>Chooses thread count and OpenMP wait policy. Must be called before libtorch loads.</summary>
    /// <exception cref="InvalidOperationException">libtorch was already loaded with other settings.</exception>
    public static void Configure(TorchRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (Gate)
        {
            if (_initialized)
            {
                if (options.WaitPolicy != _options.WaitPolicy || options.MklKernelsByInstructionSet != _options.MklKernelsByInstructionSet)
                    throw new InvalidOperationException(
                        "libtorch is already loaded; its OpenMP wait policy and MKL's kernel choice can only be chosen before the first ArML/torch call.");
                _options = options;
                if (options.Threads is int t) torch.set_num_threads(t);
                return;
            }
            _options = options;
        }
    }

    /// <summary>Loads libtorch (once) with the configured settings.</summary>
    /// <exception cref="TorchUnavailableException">The native libraries could not be loaded; the message says why.</exception>
    public static void EnsureInitialized()
    {
        if (_initialized) return;
        lock (Gate)
        {
            if (_initialized) return;
            ApplyWaitPolicy(_options.WaitPolicy);
            if (_options.MklKernelsByInstructionSet) MklVendorCheck.TryApply();
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
                torch.set_num_threads(_options.Threads ?? Environment.ProcessorCount);
                NnpackSwitch.TurnOffWhereUnavailable();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw TorchUnavailableException.From(e);
            }
            _initialized = true;
        }
    }

    /// <summary>
    /// The device for <paramref name="context"/>: CUDA device <see cref="MLContext.GpuDeviceId"/> when it is set
    /// and available; the CPU when it is not set, or when CUDA is unavailable and
    /// <see cref="MLContext.FallbackToCpu"/> is true.
    /// </summary>
    /// <exception cref="InvalidOperationException">A GPU was requested, none is usable, and fallback is off.</exception>
    public static torch.Device SelectDevice(MLContext context) => SelectDevice(context.GpuDeviceId, context.FallbackToCpu);

    /// <inheritdoc cref="SelectDevice(MLContext)"/>
    public static torch.Device SelectDevice(int? gpuDeviceId, bool fallbackToCpu)
    {
        EnsureInitialized();
        if (gpuDeviceId is not int id) return torch.CPU;
        bool available;
        try { available = torch.cuda.is_available() && id < torch.cuda.device_count(); }
        catch (Exception) { available = false; }
        if (available) return new torch.Device(DeviceType.CUDA, id);
        if (fallbackToCpu) return torch.CPU;
        throw new InvalidOperationException(
            $"MLContext.GpuDeviceId is {id} but no such CUDA device is usable (backend package: the CPU build of libtorch, " +
            "or no driver). Build with -p:TorchBackendPackage=TorchSharp-cuda-linux on a CUDA machine, or set MLContext.FallbackToCpu = true.");
    }

    private static void ApplyWaitPolicy(OmpWaitPolicy policy)
    {
        if (policy == OmpWaitPolicy.LibraryDefault) return;
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY"))
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("GOMP_SPINCOUNT"))) return;
        if (policy == OmpWaitPolicy.BriefSpin) SetNative("GOMP_SPINCOUNT", "3000");
        else SetNative("OMP_WAIT_POLICY", policy == OmpWaitPolicy.Passive ? "PASSIVE" : "ACTIVE");
    }

    private static void SetNative(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value);
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) NativeEnvironment.setenv(name, value, 1);
    }

    private static class NativeEnvironment
    {
        [DllImport("libc", SetLastError = true)]
        internal static extern int setenv(string name, string value, int overwrite);
    }
}
