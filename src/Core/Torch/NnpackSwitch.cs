using System.Runtime.InteropServices;

namespace ArML.Torch;

/// <summary>
/// Turns libtorch's NNPACK switch off where NNPACK cannot start, so that its failed start is reported once instead of
/// at every convolution.
/// </summary>
/// <remarks>
/// libtorch offers float32 NCHW convolutions to NNPACK first. On processors whose caches NNPACK cannot read (common in
/// virtual machines, this project's included) NNPACK's initialisation fails, and libtorch 2.10 then prints "Could not
/// initialize NNPACK! Reason: Unsupported hardware." at every such convolution before using its other kernels: 5,112
/// lines in one run of examples/ImageTokens. libtorch asks its user switch (torch.backends.nnpack in Python;
/// <c>at::Context::setUserEnabledNNPACK</c>, which TorchSharp does not wrap) before NNPACK itself, so turning the switch
/// off when NNPACK is unavailable ends the lines and changes no result. Where NNPACK works it stays on. NNPACK's own
/// <c>nnp_initialize</c> says whether it can start (silently, so a process that never convolves prints nothing); the
/// switch is set through libtorch's exported C++ names (Linux x64, libtorch_cpu.so); where any is missing nothing
/// changes.
/// </remarks>
internal static class NnpackSwitch
{
    private const string Library = "libtorch_cpu.so";

    /// <summary>Whether NNPACK was found unavailable and libtorch's switch turned off in this process.</summary>
    public static bool TurnedOff { get; private set; }

    /// <summary>Turns the switch off if NNPACK is unavailable; call once libtorch is loaded.</summary>
    public static unsafe void TurnOffWhereUnavailable()
    {
        if (TurnedOff || Exports("nnp_initialize", "_ZN2at7Context20setUserEnabledNNPACKEb") is not [var initialize, var setEnabled, var context]) return;
        // NNPACK's own start (idempotent; 0 is success), asked directly: libtorch's wrapper would print its warning.
        if (((delegate* unmanaged<int>)initialize)() == 0) return;
        ((delegate* unmanaged<IntPtr, byte, void>)setEnabled)(context, 0);
        TurnedOff = true;
    }

    /// <summary>libtorch's switch as it reads now (null where it cannot be read).</summary>
    internal static unsafe bool? UserEnabled() =>
        Exports("_ZNK2at7Context17userEnabledNNPACKEv") is [var enabled, var context] ? ((delegate* unmanaged<IntPtr, byte>)enabled)(context) != 0 : null;

    // The named functions of libtorch_cpu.so followed by at::globalContext()'s result, or null where any is missing.
    private static unsafe IntPtr[]? Exports(params string[] names)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64 || !NativeLibrary.TryLoad(Library, out var library)
            || !NativeLibrary.TryGetExport(library, "_ZN2at13globalContextEv", out var globalContext)) return null;
        var result = new IntPtr[names.Length + 1];
        for (int i = 0; i < names.Length; i++)
            if (!NativeLibrary.TryGetExport(library, names[i], out result[i])) return null;
        result[^1] = ((delegate* unmanaged<IntPtr>)globalContext)();
        return result;
    }
}
