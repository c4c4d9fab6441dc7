using Xunit;
using System.Buffers.Binary;
using System.Text;
using ArML.Persistence;
using Microsoft.ML;
using static ArML.Tests.Core.Persistence.PersistenceFixtures;

namespace ArML.Tests.Core.Persistence;

/// <summary>
/// ML.NET's model header names the assembly ML.NET loads and the loader it runs; a forged ArML file must not get
/// either past ArML's allow-list, and the assembly must not even be loaded.
/// </summary>
public class MlNetSegmentGuardTests
{
    private readonly MLContext _ml = new(seed: 1);

    private const ulong HeaderSignature = 0x4C45444F4D004C4DUL;

    private byte[] ValidModel()
    {
        var data = SampleData(_ml);
        return Save(_ml, TextChain(_ml, data), data.Schema);
    }

    /// <summary>
    /// Rewrites, as an attacker would, every ML.NET header in the file's ML.NET segment that names an assembly: the
    /// assembly name (with the header's offsets fixed up) and/or the loader signature; then re-checksums the file.
    /// </summary>
    private byte[] Forge(string? assemblyName, string? loaderSignature)
    {
        var edit = ArchiveEdit.Of(ValidModel());
        var inner = ArchiveEdit.Of(edit["mlnet/000.zip"]);
        int patched = 0;
        foreach (var (name, content) in inner.Entries.ToList())
        {
            if (content.Length < 0x100 || BinaryPrimitives.ReadUInt64LittleEndian(content) != HeaderSignature) continue;
            long nameAt = BinaryPrimitives.ReadInt64LittleEndian(content.AsSpan(0x90));
            if (nameAt == 0) continue;
            byte[] forged = content;
            if (assemblyName != null)
            {
                // The name is the last block before the 8-byte tail: replace it and move the tail.
                byte[] newName = Encoding.Unicode.GetBytes(assemblyName);
                byte[] tail = content[^8..];
                forged = [.. content.AsSpan(0, (int)nameAt), .. newName, .. tail];
                BinaryPrimitives.WriteUInt32LittleEndian(forged.AsSpan(0x98), (uint)newName.Length);
                BinaryPrimitives.WriteInt64LittleEndian(forged.AsSpan(0x80), nameAt + newName.Length);
                BinaryPrimitives.WriteInt64LittleEndian(forged.AsSpan(0x88), nameAt + newName.Length + 8);
            }
            if (loaderSignature != null)
            {
                forged.AsSpan(0x50, 24).Clear();
                Encoding.ASCII.GetBytes(loaderSignature).CopyTo(forged.AsSpan(0x50));
            }
            inner[name] = forged;
            patched++;
        }
        Assert.True(patched > 0);
        edit.ReplaceConsistently("mlnet/000.zip", inner.ToZip());
        return edit.ToZip();
    }

    private static bool IsLoaded(string simpleName) =>
        AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == simpleName);

    [Theory]
    [InlineData("Microsoft.ML.PCA")]
    [InlineData("Evil.Payload")]
    public void AForgedAssemblyNameIsRejectedAndNotLoaded(string assembly)
    {
        bool loadedBefore = IsLoaded(assembly);
        byte[] file = Forge($"{assembly}, Version=1.0.0.0, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51", null);
        var e = Assert.Throws<ArmlModelFormatException>(() => _ml.Model.LoadArml(new MemoryStream(file), out _));
        Assert.Contains($"assembly '{assembly},", e.Message);
        Assert.Contains("mlnet/000.zip", e.Message);
        if (!loadedBefore) Assert.False(IsLoaded(assembly), $"{assembly} was loaded into the process");
    }

    [Fact]
    public void AnAllowedNameWithAnotherPublishersKeyIsRejected()
    {
        byte[] file = Forge("Microsoft.ML.Data, Version=1.0.0.0, Culture=neutral, PublicKeyToken=0123456789abcdef", null);
        var e = Assert.Throws<ArmlModelFormatException>(() => _ml.Model.LoadArml(new MemoryStream(file), out _));
        Assert.Contains("assembly 'Microsoft.ML.Data,", e.Message);
    }

    [Theory]
    [InlineData("PcaTransform")]
    [InlineData("EvilLoader")]
    public void AForgedLoaderSignatureIsRejectedNamingIt(string signature)
    {
        byte[] file = Forge(null, signature);
        var e = Assert.Throws<ArmlModelFormatException>(() => _ml.Model.LoadArml(new MemoryStream(file), out _));
        Assert.Contains($"loader '{signature}'", e.Message);
    }

    [Fact]
    public void GenuineMlNetSegmentsPass()
    {
        // Every header ML.NET writes for these transformers names allowed assemblies and loaders.
        var model = _ml.Model.LoadArml(new MemoryStream(ValidModel()), out var schema);
        Assert.NotNull(model.GetOutputSchema(schema).GetColumnOrNull("Words"));
    }

    private sealed class MixedRow
    {
        public string Text { get; set; } = "";
        public string Label { get; set; } = "";
        public float X { get; set; }
    }

    [Fact]
    public void CommonMlNetTransformsWithSubModelsPass()
    {
        // Key mapping (a "TermManager" sub-model), text featurization (several nested models), normalization, concatenation, a linear trainer.
        var data = _ml.Data.LoadFromEnumerable(new[]
        {
            new MixedRow { Text = "good day", Label = "a", X = 1 }, new MixedRow { Text = "bad night", Label = "b", X = 3 },
            new MixedRow { Text = "good night", Label = "a", X = 2 },
        });
        var pipeline = _ml.Transforms.Conversion.MapValueToKey("Key", "Label")
            .Append(_ml.Transforms.Text.FeaturizeText("TextFeatures", "Text"))
            .Append(_ml.Transforms.NormalizeMinMax("XNorm", "X"))
            .Append(_ml.Transforms.Concatenate("Features", "TextFeatures", "XNorm"))
            .Append(_ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("Key", "Features", maximumNumberOfIterations: 2));
        var model = pipeline.Fit(data);
        using var saved = new MemoryStream();
        _ml.Model.SaveArml(model, data.Schema, saved);
        var loaded = _ml.Model.LoadArml(new MemoryStream(saved.ToArray()), out _);
        Assert.NotNull(loaded.Transform(data).Schema.GetColumnOrNull("Score"));
    }
}
