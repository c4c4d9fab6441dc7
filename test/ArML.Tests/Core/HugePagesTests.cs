using ArML.Torch;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Core;

public class HugePagesTests
{
    [Fact]
    public void AnAdvisedTensorIsFilledWithHugePages()
    {
        TorchRuntime.EnsureInitialized();
        if (!OperatingSystem.IsLinux()) return;   // the advice is Linux's only, and does nothing elsewhere
        string mode = File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled");
        if (mode.Contains("[never]")) return;      // this kernel never gives them
        // 256 MiB written once after the advice: every whole 2 MiB block inside is one huge page. Other tests free
        // buffers meanwhile (some may be huge too), hence half the tensor as the bound.
        using var values = empty(64L << 20, ScalarType.Float32);
        HugePages.Advise(values);
        long before = AnonHugePagesKilobytes();
        KeptScalar.With(1.0, s => values.fill_(s));
        long grown = AnonHugePagesKilobytes() - before;
        Assert.True(grown >= 128 << 10, $"AnonHugePages grew by {grown} kB while a 262,144 kB tensor was filled (kernel mode: {mode.Trim()})");
        Assert.Equal(64L << 20, values.sum().item<float>());
    }

    [Fact]
    public void SmallNonContiguousAndEmptyTensorsAreLeftAlone()
    {
        TorchRuntime.EnsureInitialized();
        using var small = ones(1000);
        using var wide = ones(2048, 2048);
        using var transposed = wide.t();
        using var none = empty(0);
        HugePages.Advise(small);
        HugePages.Advise(transposed);
        HugePages.Advise(none);
        Assert.Equal(1000f, small.sum().item<float>());
        Assert.Equal(2048f * 2048f, transposed.sum().item<float>());
    }

    private static long AnonHugePagesKilobytes()
    {
        string line = File.ReadLines("/proc/self/smaps_rollup").First(l => l.StartsWith("AnonHugePages:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
