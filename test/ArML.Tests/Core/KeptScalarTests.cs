using ArML.Tests.Support;
using ArML.Torch;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Core;

public class KeptScalarTests
{
    private static string BanList => Path.Combine(SharedData.RepositoryRoot, "build", "BannedSymbols.TorchScalars.txt");

    [Fact]
    public void TheBanListNamesEveryTorchSharpMethodThatLeavesAScalarUnkept()
    {
        var unkept = TorchScalarAudit.UnkeptScalarMethods();
        // The audit finds what it must: a + b (alpha 1), t * 0.5 (a number), arange(n).
        Assert.Contains("M:TorchSharp.torch.Tensor.op_Addition(TorchSharp.torch.Tensor,TorchSharp.torch.Tensor)", unkept);
        Assert.Contains("M:TorchSharp.torch.Tensor.op_Multiply(TorchSharp.torch.Tensor,System.Double)", unkept);
        Assert.Contains("M:TorchSharp.torch.arange(TorchSharp.Scalar,System.Nullable{TorchSharp.torch.ScalarType},TorchSharp.torch.Device,System.Boolean)", unkept);
        // ... and not what hands libtorch only tensors, or disposes its own Scalars.
        Assert.DoesNotContain("M:TorchSharp.torch.Tensor.op_Multiply(TorchSharp.torch.Tensor,TorchSharp.torch.Tensor)", unkept);
        Assert.DoesNotContain("M:TorchSharp.torch.Tensor.op_Subtraction(TorchSharp.torch.Tensor,TorchSharp.torch.Tensor)", unkept);

        var banned = File.ReadLines(BanList).Where(l => l.StartsWith("M:", StringComparison.Ordinal))
            .Select(l => l.Split(';')[0]).ToHashSet(StringComparer.Ordinal);
        var missing = unkept.Where(id => !banned.Contains(id)).ToList();
        Assert.True(missing.Count == 0,
            $"TorchSharp methods that leave a Scalar unkept, missing from {BanList} (add them):\n" + string.Join("\n", missing));
    }

    [Fact]
    public void TheBanListBansEveryImplicitConversionToScalar()
    {
        var banned = File.ReadAllText(BanList);
        foreach (var conversion in typeof(Scalar).GetMethods().Where(m => m.Name == "op_Implicit"))
        {
            string parameter = conversion.GetParameters()[0].ParameterType.FullName!;
            if (parameter.StartsWith("System.ValueTuple", StringComparison.Ordinal) || parameter == "System.Numerics.Complex") continue;   // complex numbers: ArML has none
            Assert.Contains($"M:TorchSharp.Scalar.op_Implicit({parameter})~TorchSharp.Scalar;", banned);
        }
    }

    // TorchSharp's own forms are the reference here, so this test alone uses them (the race they risk is one GC during
    // one of these few native calls; everything else in src/ and test/ is held to the ban).
#pragma warning disable RS0030
    [Fact]
    public void KeptOperationsGiveTorchSharpsValuesAndTypes()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { -1.5f, 0.25f, 3f, 7.75f });
        var y = tensor(new float[] { 2f, -0.5f, 1f, 0.125f });
        var n = tensor(new long[] { 3, -4, 9 });
        Same(x + y, KeptScalar.Add(x, y));
        Same(x + 0.5, KeptScalar.Add(x, 0.5));
        Same(n + 1, KeptScalar.Add(n, 1));
        Same(n - 1, KeptScalar.Sub(n, 1));
        Same(x - 0.75, KeptScalar.Sub(x, 0.75));
        Same(1 - x, KeptScalar.Sub(1, x));
        Same(x * 0.1, KeptScalar.Mul(x, 0.1));
        Same(x / 3, KeptScalar.Div(x, 3));
        Same(x.clamp(-1, 5), KeptScalar.Clamp(x, -1.0, 5.0));
        Same(n.clamp(0, 5), KeptScalar.Clamp(n, 0, 5));
        Same(arange(5, ScalarType.Int64), KeptScalar.Arange(5, CPU));
        Same(arange(2, 6, dtype: ScalarType.Float32), KeptScalar.Arange(2, 6, ScalarType.Float32, CPU));
        Same(x.clone().add_(y), KeptScalar.AddInPlace(x.clone(), y));
        Same(x.clone().mul_(0.3), KeptScalar.MulInPlace(x.clone(), 0.3));
        Same(x.clone().sub_(0.3), KeptScalar.SubInPlace(x.clone(), 0.3));
    }
#pragma warning restore RS0030

    private static void Same(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.dtype, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.eq(actual).all().item<bool>(), $"{expected.str()} != {actual.str()}");
    }
}
