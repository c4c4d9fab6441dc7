using TorchSharp;

namespace ArML.Trainers.Gpt;

/// <summary>Chooses the training arithmetic for <see cref="TrainingPrecision.Auto"/> from what the hardware multiplies natively.</summary>
internal static class HardwarePrecision
{
    private static readonly Lazy<bool> CpuHasBFloat16 = new(DetectCpuBFloat16);

    public static torch.ScalarType Resolve(TrainingPrecision precision, torch.Device device) => precision switch
    {
        TrainingPrecision.Float32 => torch.ScalarType.Float32,
        TrainingPrecision.BFloat16 => torch.ScalarType.BFloat16,
        _ => device.type == DeviceType.CUDA || CpuHasBFloat16.Value ? torch.ScalarType.BFloat16 : torch.ScalarType.Float32,
    };

    // Without native bfloat16 instructions libtorch emulates it, which is slower than float32.
    private static bool DetectCpuBFloat16()
    {
        try
        {
            if (!OperatingSystem.IsLinux() || !File.Exists("/proc/cpuinfo")) return false;
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("flags", StringComparison.Ordinal))
                    return line.Contains(" avx512_bf16", StringComparison.Ordinal) || line.Contains(" amx_bf16", StringComparison.Ordinal);
        }
        catch (IOException) { }
        return false;
    }
}
