using Xunit;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ArML.Persistence;
using Microsoft.ML;
using static ArML.Tests.Core.Persistence.PersistenceFixtures;

namespace ArML.Tests.Core.Persistence;

/// <summary>Zip bombs: overlapping entries and content out of proportion to the file, in the outer and the nested ML.NET zips.</summary>
public class ZipBombTests
{
    private readonly MLContext _ml = new(seed: 1);

    /// <summary>
    /// An ArML archive whose component entries all hold <paramref name="size"/> zero bytes, with a manifest that records
    /// them correctly (as an attacker recomputes it). Zeros deflate about 1000:1.
    /// </summary>
    private static byte[] ArchiveOfZeros(int entries, int size)
    {
        byte[] zeros = new byte[size];
        string sha = Convert.ToHexStringLower(SHA256.HashData(zeros));
        var names = Enumerable.Range(0, entries).Select(i => $"components/000/f{i:D2}.bin").ToList();
        var manifest = new JsonObject
        {
            ["format"] = "arml", ["formatVersion"] = 1, ["libraryVersion"] = "x", ["model"] = "single",
            ["inputSchema"] = names[0],
            ["parts"] = new JsonArray(new JsonObject
            {
                ["kind"] = "ArML.Test", ["kindVersion"] = 1, ["entries"] = new JsonArray(names.Skip(1).Select(n => (JsonNode)n!).ToArray()),
            }),
            ["entries"] = new JsonArray(names.Select(n => (JsonNode)new JsonObject { ["name"] = n, ["size"] = size, ["sha256"] = sha }).ToArray()),
        };
        var edit = new ArchiveEdit();
        foreach (string name in names) edit[name] = zeros;
        edit.Manifest = manifest;
        return edit.ToZip();
    }

    /// <summary>Points the central-directory records of every entry whose name starts with <paramref name="prefix"/> at the first one's data.</summary>
    internal static byte[] PointAllAtFirst(byte[] zip, string prefix)
    {
        byte[] copy = (byte[])zip.Clone();
        uint? first = null;
        for (int i = 0; i + 46 <= copy.Length; i++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(copy.AsSpan(i)) != 0x02014b50) continue;
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(copy.AsSpan(i + 28));
            string name = Encoding.UTF8.GetString(copy, i + 46, nameLength);
            if (!name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            uint offset = BinaryPrimitives.ReadUInt32LittleEndian(copy.AsSpan(i + 42));
            first ??= offset;
            BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(i + 42), first.Value);
        }
        Assert.NotNull(first);
        return copy;
    }

    [Fact]
    public void OverlappingEntriesAreRejectedBeforeAnythingIsInflated()
    {
        // 16 records, one deflate stream: before the fix each record inflated and hashed the shared 8 MiB again.
        byte[] file = PointAllAtFirst(ArchiveOfZeros(16, 8 << 20), "components/");
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var e = Assert.Throws<ArmlModelFormatException>(() => _ml.Model.LoadArml(new MemoryStream(file), out _));
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Contains("overlap", e.Message);
        Assert.Contains("components/000/f", e.Message);
        Assert.True(allocated < 4 * file.Length + (1 << 20), $"{allocated} bytes allocated for a {file.Length}-byte file");
    }

    [Fact]
    public void ContentOutOfProportionToTheFileIsRejected()
    {
        // One honest-looking 64 MiB entry in a file of about 70 KB: a ratio near 1000, above the 200 allowed.
        byte[] file = ArchiveOfZeros(2, 32 << 20);
        var e = Assert.Throws<ArmlModelFormatException>(() => _ml.Model.LoadArml(new MemoryStream(file), out _));
        Assert.Contains($"bytes of content in a {file.Length}-byte file", e.Message);
        Assert.Contains($"{ZipLayout.MaxInflationRatio}×", e.Message);
    }

    [Fact]
    public void TheBoundIsTheStatedRatioPlusTheAllowance()
    {
        // Just inside and just outside the bound, with the layout check alone (no manifest involved).
        foreach (bool inside in new[] { true, false })
        {
            using var buffer = new MemoryStream();
            using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
                using (var s = zip.CreateEntry("a", CompressionLevel.Optimal).Open()) s.Write(new byte[4 << 20]);
            byte[] bytes = buffer.ToArray();
            long allowed = (long)ZipLayout.MaxInflationRatio * bytes.Length + ZipLayout.InflationAllowance;
            byte[] patched = ArchiveEdit.PatchCentralDirectorySize(bytes, "a", (uint)(inside ? allowed : allowed + 1));
            var check = () => ZipLayout.Check(new MemoryStream(patched), "test zip", 10);
            if (inside) check();
            else Assert.Contains("zip bomb", Assert.Throws<ArmlModelFormatException>(check).Message);
        }
    }

    [Fact]
    public void OverlappingEntriesInsideAnMlNetSegmentAreRejectedNamingTheSegment()
    {
        var data = SampleData(_ml);
        var edit = ArchiveEdit.Of(Save(_ml, TextChain(_ml, data), data.Schema));
        // The nested ML.NET zip gets two extra records sharing one stream; the outer file is re-checksummed.
        var inner = ArchiveEdit.Of(edit["mlnet/000.zip"]);
        inner["bomb/a.bin"] = new byte[1 << 20];
        inner["bomb/b.bin"] = new byte[1 << 20];
        edit.ReplaceConsistently("mlnet/000.zip", PointAllAtFirst(inner.ToZip(), "bomb/"));
        var e = Assert.Throws<ArmlModelFormatException>(() => Load(_ml, edit.ToZip(), out _));
        Assert.Contains("ML.NET model entry 'mlnet/000.zip'", e.Message);
        Assert.Contains("overlap", e.Message);
    }
}
