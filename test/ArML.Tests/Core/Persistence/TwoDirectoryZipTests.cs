using System.Buffers.Binary;
using System.IO.Compression;
using ArML.Persistence;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Core.Persistence;

/// <summary>
/// A zip can carry two central directories: the classic end record names one, a zip64 end record another. .NET picks
/// by one rule, a hand-written reader may pick by another; a file that shows the layout check a harmless directory and
/// .NET fifty records over one 20 MiB stream must be refused before anything is inflated.
/// </summary>
public class TwoDirectoryZipTests
{
    [Theory]
    [InlineData(true)]    // classic record with disk numbers 0xFFFF (.NET follows zip64, a size-based reader does not)
    [InlineData(false)]   // classic record with size 0xFFFFFFFF and the bomb's offset (the opposite choice)
    public void AFileWithTwoDirectoriesIsRefusedBeforeInflating(bool diskNumbersMarkZip64)
    {
        byte[] file = TwoDirectories(records: 50, diskNumbersMarkZip64);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ArmlModelFormatException>(() => new MLContext(seed: 1).Model.LoadArml(new MemoryStream(file), out _));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 8L * file.Length + (4 << 20), $"{allocated} bytes allocated for a {file.Length}-byte file");
        Assert.Contains("The model file", e.Message);
        Assert.Contains("two", e.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AnMlNetSegmentWithTwoDirectoriesIsRefusedBeforeInflating(bool diskNumbersMarkZip64)
    {
        // An ML.NET segment is inflated entry by entry by the assembly guard, with no manifest in front of it.
        byte[] file = TwoDirectories(records: 50, diskNumbersMarkZip64);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ArmlModelFormatException>(() => MlNetModelGuard.Check(file, "components/000/mlnet.zip"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 8L * file.Length + (4 << 20), $"{allocated} bytes allocated for a {file.Length}-byte file");
        Assert.Contains("two", e.Message);
    }

    private static byte[] TwoDirectories(int records, bool diskNumbersMarkZip64)
    {
        byte[] raw = new byte[20 << 20];
        using var deflated = new MemoryStream();
        using (var d = new DeflateStream(deflated, CompressionLevel.SmallestSize, leaveOpen: true)) d.Write(raw);
        byte[] bomb = deflated.ToArray();
        uint crc = 0;        // never checked: nothing may be inflated
        byte[] small = "hello"u8.ToArray();
        uint smallCrc = 0;

        using var o = new MemoryStream();
        var w = new BinaryWriter(o);
        void Local(string name, ushort method, uint c, uint compressed, uint size)
        {
            w.Write(0x04034b50u); w.Write((ushort)20); w.Write((ushort)0); w.Write(method); w.Write(0u);
            w.Write(c); w.Write(compressed); w.Write(size); w.Write((ushort)name.Length); w.Write((ushort)0);
            w.Write(System.Text.Encoding.ASCII.GetBytes(name));
        }
        void Central(string name, ushort method, uint c, uint compressed, uint size, uint offset)
        {
            w.Write(0x02014b50u); w.Write((ushort)20); w.Write((ushort)20); w.Write((ushort)0); w.Write(method); w.Write(0u);
            w.Write(c); w.Write(compressed); w.Write(size); w.Write((ushort)name.Length); w.Write((ushort)0); w.Write((ushort)0);
            w.Write((ushort)0); w.Write((ushort)0); w.Write(0u); w.Write(offset);
            w.Write(System.Text.Encoding.ASCII.GetBytes(name));
        }
        Local("a", 8, crc, (uint)bomb.Length, (uint)raw.Length);
        w.Write(bomb);
        uint harmlessOffset = (uint)o.Position;
        Local("b", 0, smallCrc, 5, 5);
        w.Write(small);
        long harmlessDirectory = o.Position;
        Central("b", 0, smallCrc, 5, 5, harmlessOffset);
        long harmlessSize = o.Position - harmlessDirectory;
        long bombDirectory = o.Position;
        for (int i = 0; i < records; i++) Central($"a{i}", 8, crc, (uint)bomb.Length, (uint)raw.Length, 0);
        long bombSize = o.Position - bombDirectory;
        // zip64 end record and locator: the directory .NET or the checker may follow.
        long zip64End = o.Position;
        (long z64Count, long z64Size, long z64Offset) = diskNumbersMarkZip64 ? (records, bombSize, bombDirectory) : (1, harmlessSize, harmlessDirectory);
        w.Write(0x06064b50u); w.Write(44UL); w.Write((ushort)45); w.Write((ushort)45); w.Write(0u); w.Write(0u);
        w.Write((ulong)z64Count); w.Write((ulong)z64Count); w.Write((ulong)z64Size); w.Write((ulong)z64Offset);
        w.Write(0x07064b50u); w.Write(0u); w.Write((ulong)zip64End); w.Write(1u);
        // The classic end record.
        w.Write(0x06054b50u);
        if (diskNumbersMarkZip64)
        {
            w.Write((ushort)0xFFFF); w.Write((ushort)0xFFFF); w.Write((ushort)1); w.Write((ushort)1);
            w.Write((uint)harmlessSize); w.Write((uint)harmlessDirectory);
        }
        else
        {
            w.Write((ushort)0); w.Write((ushort)0); w.Write((ushort)records); w.Write((ushort)records);
            w.Write(0xFFFFFFFFu); w.Write((uint)bombDirectory);
        }
        w.Write((ushort)0);
        w.Flush();
        return o.ToArray();
    }
}
