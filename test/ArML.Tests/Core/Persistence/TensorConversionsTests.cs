using Xunit;
using ArML.Persistence;
using ArML.Torch;
using TorchSharp;

namespace ArML.Tests.Core.Persistence;

public class TensorConversionsTests
{
    private static void AssertRoundTrip(torch.Tensor original, string expectedDType)
    {
        var data = original.ToTensorData();
        Assert.Equal(expectedDType, data.DType);
        Assert.Equal(original.shape, data.Shape);
        Assert.Equal(original.numel() * original.element_size(), data.Data.LongLength);

        using var back = data.ToTensor();
        Assert.Equal(original.dtype, back.dtype);
        Assert.Equal(original.shape, back.shape);
        Assert.Equal(data.Data, back.ToTensorData().Data);
        Assert.True(torch.equal(original, back).all().item<bool>());
    }

    [Fact]
    public void Float32RandomRoundTripsExactly()
    {
        TorchRuntime.EnsureInitialized();
        torch.manual_seed(7);
        using var t = torch.randn(3, 4, 5);
        AssertRoundTrip(t, "F32");
    }

    [Fact]
    public void BFloat16RoundTripsExactly()
    {
        TorchRuntime.EnsureInitialized();
        torch.manual_seed(8);
        using var f = torch.randn(6, 7);
        using var t = f.to_type(torch.ScalarType.BFloat16);
        AssertRoundTrip(t, "BF16");
    }

    [Fact]
    public void Int64RoundTripsExactly()
    {
        TorchRuntime.EnsureInitialized();
        using var t = torch.tensor(new long[] { long.MinValue, -1, 0, 1, long.MaxValue, 1234567890123 }).reshape(2, 3);
        AssertRoundTrip(t, "I64");
    }

    [Fact]
    public void BytesAreLittleEndianRowMajor()
    {
        TorchRuntime.EnsureInitialized();
        using var t = torch.tensor(new float[] { 1.0f, -2.5f });
        var data = t.ToTensorData();
        Assert.Equal([.. BitConverter.GetBytes(1.0f), .. BitConverter.GetBytes(-2.5f)], data.Data);
    }

    [Fact]
    public void NonContiguousViewsAreCopiedDense()
    {
        TorchRuntime.EnsureInitialized();
        using var t = KeptScalar.Arange(0, 12, torch.ScalarType.Int32, torch.CPU).reshape(3, 4);
        using var view = t.t().narrow(0, 1, 2); // columns 1 and 2, transposed: [[1,5,9],[2,6,10]]
        var data = view.ToTensorData();
        Assert.Equal(new long[] { 2, 3 }, data.Shape);
        int[] values = new int[6];
        Buffer.BlockCopy(data.Data, 0, values, 0, data.Data.Length);
        Assert.Equal(new[] { 1, 5, 9, 2, 6, 10 }, values);
    }

    [Fact]
    public void OtherSupportedDtypesRoundTrip()
    {
        TorchRuntime.EnsureInitialized();
        torch.manual_seed(9);
        using var f = torch.randn(2, 3);
        using var f64 = f.to_type(torch.ScalarType.Float64);
        using var f16 = f.to_type(torch.ScalarType.Float16);
        using var i32 = KeptScalar.Arange(-3, 3, torch.ScalarType.Int32, torch.CPU);
        using var i16 = KeptScalar.Arange(-3, 3, torch.ScalarType.Int16, torch.CPU);
        using var i8 = KeptScalar.Arange(-3, 3, torch.ScalarType.Int8, torch.CPU);
        using var u8 = torch.tensor(new byte[] { 0, 50, 100, 150, 200 });
        using var b = torch.tensor(new[] { true, false, true });
        using var empty = torch.zeros(0, 3);
        AssertRoundTrip(f64, "F64");
        AssertRoundTrip(f16, "F16");
        AssertRoundTrip(i32, "I32");
        AssertRoundTrip(i16, "I16");
        AssertRoundTrip(i8, "I8");
        AssertRoundTrip(u8, "U8");
        AssertRoundTrip(b, "BOOL");
        AssertRoundTrip(empty, "F32");
    }

    [Fact]
    public void InconsistentDataIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new TensorData("F32", [2, 2], new byte[8]).ToTensor());
        Assert.Contains("16", e.Message);
        Assert.Throws<NotSupportedException>(() => new TensorData("U16", [1], new byte[2]).ToTensor());
    }
}
