using Xunit;
using System.Buffers.Binary;
using System.Text;
using ArML.Persistence;

namespace ArML.Tests.Core.Persistence;

public class SafeTensorsFormatTests
{
    private static byte[] RandomBytes(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    /// <summary>A file with the given header text and <paramref name="dataLength"/> data bytes.</summary>
    private static byte[] File(string header, int dataLength, ulong? declaredHeaderLength = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        byte[] file = new byte[8 + json.Length + dataLength];
        BinaryPrimitives.WriteUInt64LittleEndian(file, declaredHeaderLength ?? (ulong)json.Length);
        json.CopyTo(file, 8);
        return file;
    }

    [Fact]
    public void RoundTripKeepsDtypesShapesBytesOrderAndMetadata()
    {
        var tensors = new List<KeyValuePair<string, TensorData>>
        {
            new("z.f32", new("F32", [2, 3], RandomBytes(24, 1))),
            new("a.f64", new("F64", [4], RandomBytes(32, 2))),
            new("bf16", new("BF16", [3, 1, 2], RandomBytes(12, 3))),
            new("f16", new("F16", [5], RandomBytes(10, 4))),
            new("scalar.i64", new("I64", [], RandomBytes(8, 5))),
            new("i32", new("I32", [2, 2], RandomBytes(16, 6))),
            new("i16", new("I16", [3], RandomBytes(6, 7))),
            new("u16", new("U16", [1], RandomBytes(2, 8))),
            new("i8", new("I8", [7], RandomBytes(7, 9))),
            new("u8.empty", new("U8", [0, 5], [])),
            new("mask", new("BOOL", [3], [1, 0, 1])),
        };
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode" };

        byte[] file = SafeTensorsFormat.ToBytes(tensors, metadata);
        var content = SafeTensorsFormat.Read(file);

        Assert.Equal(tensors.Select(t => t.Key), content.Tensors.Keys);
        foreach (var (name, expected) in tensors)
        {
            var actual = content.Tensors[name];
            Assert.Equal(expected.DType, actual.DType);
            Assert.Equal(expected.Shape, actual.Shape);
            Assert.Equal(expected.Data, actual.Data);
        }
        Assert.Equal(metadata, content.Metadata);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        Assert.Equal(0UL, headerLength % 8);
        Assert.Equal(8 + (long)headerLength + tensors.Sum(t => t.Value.Data.Length), file.Length);
    }

    [Fact]
    public void StreamReadConsumesExactlyTheFile()
    {
        byte[] file = SafeTensorsFormat.ToBytes([new("x", new TensorData("F32", [2], RandomBytes(8, 1)))]);
        byte[] withTrailer = [.. file, 42, 43];
        using var stream = new MemoryStream(withTrailer);
        var content = SafeTensorsFormat.Read(stream, file.Length);
        Assert.Single(content.Tensors);
        Assert.Equal(file.Length, stream.Position);
    }

    [Fact]
    public void ReadsAHandWrittenFileWithUnsortedOffsets()
    {
        // Offsets are listed out of order in the header; data: "b" first (2 bytes), then "a" (4 bytes).
        byte[] file = File("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]},\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 6);
        byte[] data = [9, 8, 1, 2, 3, 4];
        data.CopyTo(file, file.Length - 6);
        var content = SafeTensorsFormat.Read(file);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, content.Tensors["a"].Data);
        Assert.Equal(new byte[] { 9, 8 }, content.Tensors["b"].Data);
    }

    [Fact]
    public void WriterRejectsBytesThatDoNotMatchTheShape()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            SafeTensorsFormat.ToBytes([new("w", new TensorData("F32", [2, 2], new byte[15]))]));
        Assert.Contains("'w'", e.Message);
        Assert.Contains("16", e.Message);
    }

    [Fact]
    public void WriterRejectsRepeatedUnknownAndReservedNames()
    {
        var t = new TensorData("U8", [1], [1]);
        Assert.Throws<ArgumentException>(() => SafeTensorsFormat.ToBytes([new("x", t), new("x", t)]));
        Assert.Throws<ArgumentException>(() => SafeTensorsFormat.ToBytes([new("__metadata__", t)]));
        Assert.Throws<ArgumentException>(() => SafeTensorsFormat.ToBytes([new("x", new TensorData("Q4", [1], [1]))]));
    }

    public static TheoryData<string, byte[], string> MalformedFiles() => new()
    {
        { "shorter than length field", [1, 2, 3], "shorter than the 8-byte" },
        { "header beyond file", File("{}", 0, declaredHeaderLength: 500), "only 2 bytes follow" },
        { "header above cap", File("{}", 0, declaredHeaderLength: 200_000_000), "limit" },
        { "empty header", File("", 0), "header is empty" },
        { "invalid json", File("{\"a\":", 0), "not valid JSON" },
        { "not an object", File("[1,2]", 0), "not a JSON object" },
        { "unknown dtype", File("{\"t1\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1), "'t1' has unknown dtype" },
        { "negative dim", File("{\"t2\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4), "'t2' has a negative 'shape'" },
        { "fractional dim", File("{\"t3\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4), "'t3' has a non-integer" },
        { "byte count", File("{\"t4\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", 12), "'t4' spans 12 bytes" },
        { "overflowing shape", File("{\"t5\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8), "'t5' has a shape whose size overflows" },
        { "beyond data", File("{\"t6\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]}}", 4), "'t6' has data_offsets [0, 8] beyond" },
        { "reversed offsets", File("{\"t7\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[3,2]}}", 4), "'t7' has data_offsets [3, 2] that end before" },
        { "three offsets", File("{\"t8\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,2]}}", 1), "'t8' has 3 'data_offsets' values" },
        { "missing dtype", File("{\"t9\":{\"shape\":[1],\"data_offsets\":[0,1]}}", 1), "'t9' has no string 'dtype'" },
        { "missing shape", File("{\"t10\":{\"dtype\":\"U8\",\"data_offsets\":[0,1]}}", 1), "'t10' has no 'shape'" },
        { "entry not object", File("{\"t11\":5}", 0), "'t11' is not a JSON object" },
        { "overlap", File("{\"a1\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},\"b1\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[2,6]}}", 6), "'b1' overlaps tensor 'a1'" },
        { "gap", File("{\"a2\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},\"b2\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[3,5]}}", 5), "before tensor 'b2'" },
        { "uncovered tail", File("{\"a3\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 5), "cover only 2 (after tensor 'a3')" },
        { "data without tensors", File("{}", 3), "declares no tensors" },
        { "duplicate name", File("{\"d\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"d\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2), "'d' appears twice" },
        { "metadata not strings", File("{\"__metadata__\":{\"k\":1}}", 0), "metadata value 'k' is not a string" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void MalformedFilesAreRejectedWithAMessageNamingTheProblem(string _, byte[] file, string expected)
    {
        var e = Assert.Throws<ArmlModelFormatException>(() => SafeTensorsFormat.Read(file));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void AStreamThatEndsEarlyIsRejected()
    {
        byte[] file = SafeTensorsFormat.ToBytes([new("long", new TensorData("U8", [100], new byte[100]))]);
        using var truncated = new MemoryStream(file, 0, file.Length - 10);
        var e = Assert.Throws<ArmlModelFormatException>(() => SafeTensorsFormat.Read(truncated, file.Length));
        Assert.Contains("ends inside the data of tensor 'long'", e.Message);
    }
}
