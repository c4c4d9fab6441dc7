using Xunit;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using ArML.Persistence;
using Microsoft.ML;
using Microsoft.ML.Data;
using static ArML.Tests.Core.Persistence.PersistenceFixtures;

namespace ArML.Tests.Core.Persistence;

public class CorruptModelTests
{
    private readonly MLContext _ml = new(seed: 1);

    private byte[] ValidMlNetModel()
    {
        var data = SampleData(_ml);
        return Save(_ml, TextChain(_ml, data), data.Schema);
    }

    private byte[] ValidMixedModel(TestComponent component)
    {
        var data = SampleData(_ml);
        var text = TextChain(_ml, data).ToArray();
        return Save(_ml, new TransformerChain<ITransformer>(text[0], component, text[1]), data.Schema);
    }

    private ArmlModelFormatException LoadFails(byte[] file) =>
        Assert.Throws<ArmlModelFormatException>(() => Load(_ml, file, out _));

    private ArmlModelFormatException PublicLoadFails(byte[] file) =>
        Assert.Throws<ArmlModelFormatException>(() => _ml.Model.LoadArml(new MemoryStream(file), out _));

    [Fact]
    public void EmptyFileIsRejected() => Assert.Contains("not a readable zip", PublicLoadFails([]).Message);

    [Fact]
    public void RandomBytesAreRejected()
    {
        var bytes = new byte[5000];
        new Random(3).NextBytes(bytes);
        Assert.Contains("not a readable zip", PublicLoadFails(bytes).Message);
    }

    [Fact]
    public void TruncatedFileIsRejected()
    {
        byte[] file = ValidMlNetModel();
        Assert.Contains("truncated", PublicLoadFails(file[..(file.Length / 2)]).Message);
        Assert.Contains("truncated", PublicLoadFails(file[..^1]).Message);
    }

    [Fact]
    public void EveryTruncationAndEveryByteFlipIsRejectedCleanly()
    {
        byte[] file = ValidMlNetModel();
        // Coarse sweep over the whole file: each damaged copy must fail with the format exception, nothing else.
        for (int cut = 0; cut < file.Length; cut += Math.Max(1, file.Length / 40))
            Assert.Throws<ArmlModelFormatException>(() => Load(_ml, file[..cut], out _));
        for (int i = 0; i < file.Length; i += Math.Max(1, file.Length / 60))
        {
            byte[] copy = (byte[])file.Clone();
            copy[i] ^= 0x5A;
            try { Load(_ml, copy, out _); } // a flip in an unused zip field (e.g. a timestamp) is harmless
            catch (ArmlModelFormatException) { }
        }
    }

    [Fact]
    public void ZipWithoutManifestIsRejected()
    {
        var edit = new ArchiveEdit();
        edit["hello.txt"] = "hi"u8.ToArray();
        Assert.Contains("has no manifest.json", PublicLoadFails(edit.ToZip()).Message);
    }

    [Fact]
    public void AnMlNetModelFileIsRecognisedAsSuch()
    {
        var data = SampleData(_ml);
        using var stream = new MemoryStream();
        _ml.Model.Save(TextChain(_ml, data), data.Schema, stream);
        Assert.Contains("mlContext.Model.Load", PublicLoadFails(stream.ToArray()).Message);
    }

    [Fact]
    public void ChangedEntryIsRejectedNamingTheEntry()
    {
        var edit = ArchiveEdit.Of(ValidMlNetModel());
        byte[] segment = edit["mlnet/000.zip"];
        segment[segment.Length / 2] ^= 0x01;
        var e = LoadFails(edit.ToZip());
        Assert.Contains("Checksum mismatch in entry 'mlnet/000.zip'", e.Message);
    }

    [Fact]
    public void EntryOfChangedLengthIsRejected()
    {
        var edit = ArchiveEdit.Of(ValidMlNetModel());
        edit["input-schema.zip"] = [.. edit["input-schema.zip"], 0];
        var e = LoadFails(edit.ToZip());
        Assert.Contains("'input-schema.zip'", e.Message);
        Assert.Contains("manifest records", e.Message);
    }

    [Fact]
    public void ChangedManifestIsRejected()
    {
        var edit = ArchiveEdit.Of(ValidMlNetModel());
        edit["manifest.json"] = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(edit["manifest.json"]).Replace("\"chain\"", "\"single\""));
        Assert.Contains("Manifest checksum mismatch", LoadFails(edit.ToZip()).Message);
    }

    [Fact]
    public void MissingManifestChecksumIsRejected()
    {
        var edit = ArchiveEdit.Of(ValidMlNetModel());
        edit.Remove("manifest.sha256");
        Assert.Contains("no manifest.sha256", LoadFails(edit.ToZip()).Message);
    }

    [Fact]
    public void UnknownFormatVersionIsRejectedSayingBothVersions()
    {
        var edit = ArchiveEdit.Of(ValidMlNetModel());
        var manifest = edit.Manifest;
        manifest["formatVersion"] = 2;
        edit.Manifest = manifest;
        var e = LoadFails(edit.ToZip());
        Assert.Contains("format version 2", e.Message);
        Assert.Contains("reads format version 1", e.Message);
    }

    [Fact]
    public void WrongFormatNameIsRejected()
    {
        var edit = ArchiveEdit.Of(ValidMlNetModel());
        var manifest = edit.Manifest;
        manifest["format"] = "onnx";
        edit.Manifest = manifest;
        Assert.Contains("not an ArML model", LoadFails(edit.ToZip()).Message);
    }

    [Theory]
    [InlineData("../evil.txt", "path traversal")]
    [InlineData("mlnet/../../evil.txt", "path traversal")]
    [InlineData("/etc/evil.txt", "absolute path")]
    [InlineData("\\evil.txt", "absolute path")]
    [InlineData("mlnet\\evil.txt", "backslash")]
    [InlineData("C:/evil.txt", "drive letter")]
    [InlineData("a//evil.txt", "empty path segment")]
    [InlineData("dir/", "directory entry")]
    public void HostileEntryNamesAreRejected(string name, string reason)
    {
        var edit = ArchiveEdit.Of(ValidMlNetModel());
        edit[name] = "x"u8.ToArray();
        var e = LoadFails(edit.ToZip());
        Assert.Contains($"'{name}'", e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void HostileNameInsideTheManifestIsRejected()
    {
        var edit = ArchiveEdit.Of(ValidMlNetModel());
        var manifest = edit.Manifest;
        manifest["entries"]![0]!["name"] = "../../x.zip";
        edit.Manifest = manifest;
        Assert.Contains("path traversal", LoadFails(edit.ToZip()).Message);
    }

    [Fact]
    public void EntryNotListedInTheManifestIsRejected()
    {
        var edit = ArchiveEdit.Of(ValidMlNetModel());
        edit["mlnet/extra.zip"] = [1, 2, 3];
        Assert.Contains("'mlnet/extra.zip' is not listed in the manifest", LoadFails(edit.ToZip()).Message);
    }

    [Fact]
    public void EntryMissingFromTheArchiveIsRejected()
    {
        var edit = ArchiveEdit.Of(ValidMlNetModel());
        edit.Remove("mlnet/000.zip");
        Assert.Contains("'mlnet/000.zip' is listed in the manifest but missing", LoadFails(edit.ToZip()).Message);
    }

    [Fact]
    public void AbsurdManifestSizeIsRejected()
    {
        var edit = ArchiveEdit.Of(ValidMlNetModel());
        var manifest = edit.Manifest;
        manifest["entries"]![0]!["size"] = 9L * 1024 * 1024 * 1024;
        edit.Manifest = manifest;
        var e = LoadFails(edit.ToZip());
        Assert.Contains("9663676416 bytes", e.Message);
        Assert.Contains("limit", e.Message);
    }

    [Fact]
    public void ZipDirectorySizeDifferentFromTheManifestIsRejected()
    {
        // A size within the inflation bound (see ZipBombTests for absurd ones), so the manifest comparison is what fails.
        byte[] file = ArchiveEdit.PatchCentralDirectorySize(ValidMlNetModel(), "mlnet/000.zip", 12_345);
        var e = LoadFails(file);
        Assert.Contains("'mlnet/000.zip' declares 12345 bytes in the zip directory", e.Message);
    }

    [Fact]
    public void ReadsStopOneByteAfterTheManifestSize()
    {
        // The entry really holds 1000 bytes, but the manifest promises 100 (with the checksum of the first 100):
        // the bounded read must notice the surplus instead of trusting the prefix.
        byte[] content = new byte[1000];
        new Random(5).NextBytes(content);
        using var zip = new ZipArchive(new MemoryStream(new ArchiveEditBuilder("big.bin", content).Zip), ZipArchiveMode.Read);
        var entry = zip.GetEntry("big.bin")!;
        string hashOfPrefix = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content.AsSpan(0, 100)));
        var e = Assert.Throws<ArmlModelFormatException>(() =>
            VerifyingReadStream.Verify(entry, new ManifestEntry { Name = "big.bin", Size = 100, Sha256 = hashOfPrefix }));
        Assert.Contains("more than the 100 bytes", e.Message);

        var shortRead = Assert.Throws<ArmlModelFormatException>(() =>
            VerifyingReadStream.Verify(entry, new ManifestEntry { Name = "big.bin", Size = 2000, Sha256 = hashOfPrefix }));
        Assert.Contains("ends after 1000 bytes", shortRead.Message);
    }

    [Fact]
    public void UnknownKindIsRejectedNamingIt()
    {
        byte[] file = ValidMixedModel(TestComponent.Create("unknown-kind"));
        // The public registry does not know the test kind.
        Assert.Contains($"kind '{TestComponent.Kind}'", PublicLoadFails(file).Message);

        var edit = ArchiveEdit.Of(file);
        var manifest = edit.Manifest;
        manifest["parts"]![1]!["kind"] = "Evil.Shell";
        edit.Manifest = manifest;
        Assert.Contains("kind 'Evil.Shell'", LoadFails(edit.ToZip()).Message);
    }

    [Fact]
    public void LoaderFromAMissingAssemblyIsExplained()
    {
        var edit = ArchiveEdit.Of(ValidMixedModel(TestComponent.Create("missing-assembly")));
        var manifest = edit.Manifest;
        manifest["parts"]![1]!["kind"] = "Test.MissingAssembly";
        edit.Manifest = manifest;
        var e = LoadFails(edit.ToZip());
        Assert.Contains("assembly 'ArML.NoSuchAssembly'", e.Message);
        Assert.Contains("Test.MissingAssembly", e.Message);
    }

    [Fact]
    public void RegisteredTypeThatIsNotALoaderIsRejected()
    {
        var edit = ArchiveEdit.Of(ValidMixedModel(TestComponent.Create("not-a-loader")));
        var manifest = edit.Manifest;
        manifest["parts"]![1]!["kind"] = "Test.NotALoader";
        edit.Manifest = manifest;
        Assert.Contains("is not a concrete IArmlComponentLoader", LoadFails(edit.ToZip()).Message);
    }

    [Fact]
    public void AllChecksumsAreVerifiedBeforeAnythingIsInstantiated()
    {
        string id = "verify-first-" + Guid.NewGuid();
        var edit = ArchiveEdit.Of(ValidMixedModel(TestComponent.Create(id)));
        byte[] last = edit["mlnet/002.zip"];
        last[^30] ^= 0xFF;
        var e = LoadFails(edit.ToZip());
        Assert.Contains("'mlnet/002.zip'", e.Message);
        Assert.Equal(0, TestComponentLoader.LoadCount(id));
    }

    [Fact]
    public void AFailingLoaderLeavesNothingBehind()
    {
        string first = "first-" + Guid.NewGuid();
        var data = SampleData(_ml);
        var model = new TransformerChain<ITransformer>(TestComponent.Create(first), TestComponent.Create("second", failOnLoad: true));
        var e = LoadFails(Save(_ml, model, data.Schema));
        Assert.Contains("simulated loader failure", e.Message);
        Assert.IsType<InvalidOperationException>(e.InnerException);
        var built = Assert.Single(TestComponentLoader.Loaded[first]);
        Assert.True(built.IsDisposed);
    }

    [Fact]
    public void UnknownKindVersionIsTheLoadersCallAndReachesTheCaller()
    {
        var data = SampleData(_ml);
        var e = LoadFails(Save(_ml, TestComponent.Create("v7", kindVersion: 7), data.Schema));
        Assert.Contains("version 7 is unknown", e.Message);
    }

    [Fact]
    public void MissingComponentFileIsReportedByName()
    {
        var data = SampleData(_ml);
        var e = LoadFails(Save(_ml, TestComponent.Create("missing-file", readMissingFile: true), data.Schema));
        Assert.Contains("no file 'missing.bin'", e.Message);
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public void MalformedTensorsWithValidChecksumsAreRejectedNamingEntryAndTensor()
    {
        var edit = ArchiveEdit.Of(ValidMixedModel(TestComponent.Create("bad-tensors")));
        byte[] bad = Encoding.UTF8.GetBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,4]}}");
        byte[] file = new byte[8 + bad.Length + 4];
        BitConverter.GetBytes((ulong)bad.Length).CopyTo(file, 0);
        bad.CopyTo(file, 8);
        edit.ReplaceConsistently("components/001/weights.safetensors", file);
        var e = LoadFails(edit.ToZip());
        Assert.Contains("components/001/weights.safetensors", e.Message);
        Assert.Contains("tensor 'w'", e.Message);
    }

    [Fact]
    public void InvalidComponentJsonWithValidChecksumsIsRejected()
    {
        var edit = ArchiveEdit.Of(ValidMixedModel(TestComponent.Create("bad-json")));
        edit.ReplaceConsistently("components/001/config.json", "{\"id\": null, \"failOnLoad\": false}"u8.ToArray());
        var e = LoadFails(edit.ToZip());
        Assert.Contains("components/001/config.json", e.Message);
    }

    [Fact]
    public void InconsistentManifestsAreRejected()
    {
        byte[] valid = ValidMixedModel(TestComponent.Create("inconsistent"));
        var cases = new List<Action<JsonObject>>
        {
            m => m["model"] = "forest",
            m => m["inputSchema"] = "nope.zip",
            m => m["parts"]![0]!["entries"] = new JsonArray("mlnet/000.zip", "input-schema.zip"),
            m => m["parts"]![0]!["transformerCount"] = 0,
            m => m["parts"]![0]!["kindVersion"] = 2,
            m => m["parts"]!.AsArray().RemoveAt(2),
            m => m["entries"]![0]!["sha256"] = "zz",
            m => m["entries"]![0]!["size"] = -1,
            m => m.Remove("parts"),
        };
        foreach (var mutate in cases)
        {
            var edit = ArchiveEdit.Of(valid);
            var manifest = edit.Manifest;
            mutate(manifest);
            edit.Manifest = manifest;
            var e = LoadFails(edit.ToZip());
            Assert.Contains("manifest.json", e.Message);
        }
    }

    /// <summary>A one-entry zip.</summary>
    private sealed class ArchiveEditBuilder(string name, byte[] content)
    {
        public byte[] Zip
        {
            get
            {
                var edit = new ArchiveEdit();
                edit[name] = content;
                return edit.ToZip();
            }
        }
    }
}
