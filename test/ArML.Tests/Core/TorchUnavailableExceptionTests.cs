using ArML.Torch;
using Xunit;

namespace ArML.Tests.Core;

public class TorchUnavailableExceptionTests
{
    // TorchSharp's own wording when an application references no native backend (0.107), wrapped as it is thrown.
    private const string NoBackend =
        "This application or script uses TorchSharp but doesn't contain a reference to libtorch-cpu-linux-x64, Version=2.10.0.0.";

    [Fact]
    public void AMissingBackendNamesThePackagesToAdd()
    {
        var e = TorchUnavailableException.From(new TypeInitializationException("TorchSharp.torch", new NotSupportedException(NoBackend)));
        Assert.StartsWith("ArML could not load libtorch. No libtorch backend package is referenced", e.Message);
        Assert.Contains("TorchSharp-cpu", e.Message);
        Assert.Contains("libtorch-cpu-linux-x64", e.Message);
        Assert.Contains(NoBackend, e.Message);   // the cause is kept, after the advice
    }

    [Fact]
    public void AnOldLibStdCxxPointsAtTheBuildOutputFix()
    {
        var e = TorchUnavailableException.From(new DllNotFoundException(
            "libLibTorchSharp.so: /lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found"));
        Assert.Contains("buildTransitive", e.Message);
        Assert.Contains("GLIBCXX_3.4.32", e.Message);
    }
}
