using Xunit;
using System.IO.Compression;
using System.Text.Json.Nodes;
using ArML.Persistence;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Text;
using static ArML.Tests.Core.Persistence.PersistenceFixtures;

namespace ArML.Tests.Core.Persistence;

public class ModelRoundTripTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Fact]
    public void MlNetChainRoundTripsThroughAStream()
    {
        var data = SampleData(_ml);
        var model = TextChain(_ml, data);
        var expected = Run(_ml, model, data);

        using var stream = new MemoryStream();
        _ml.Model.SaveArml(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = _ml.Model.LoadArml(stream, out var schema);

        var chain = Assert.IsType<TransformerChain<ITransformer>>(loaded);
        Assert.Collection(chain,
            t => Assert.IsType<TextNormalizingTransformer>(t),
            t => Assert.IsType<WordTokenizingTransformer>(t));
        AssertSameSchema(data.Schema, schema);
        AssertSameRows(expected, Run(_ml, loaded, _ml.Data.LoadFromEnumerable(Rows)));
        Assert.Contains(expected, r => r.Words.Length > 2); // the comparison above is not vacuous
    }

    [Fact]
    public void MlNetChainRoundTripsThroughAFileWithoutLeavingTemporaryFiles()
    {
        string dir = Directory.CreateTempSubdirectory("arml-").FullName;
        try
        {
            var data = SampleData(_ml);
            var model = TextChain(_ml, data);
            string path = Path.Combine(dir, "model.arml.zip");
            _ml.Model.SaveArml(model, data.Schema, path);
            _ml.Model.SaveArml(model, data.Schema, path); // overwriting an existing file works too

            var loaded = _ml.Model.LoadArml(path, out var schema);
            AssertSameSchema(data.Schema, schema);
            AssertSameRows(Run(_ml, model, data), Run(_ml, loaded, data));
            Assert.Equal(["model.arml.zip"], Directory.GetFiles(dir).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ArchiveHasTheDocumentedLayoutAndManifest()
    {
        var data = SampleData(_ml);
        var text = TextChain(_ml, data).ToArray();
        var component = TestComponent.Create("layout");
        // Nested chains are flattened: [normalize] [component] [tokenize].
        var model = new TransformerChain<ITransformer>(new TransformerChain<ITransformer>(text[0]), component, text[1]);

        byte[] file = Save(_ml, model, data.Schema);
        var edit = ArchiveEdit.Of(file);
        Assert.Equal(
            ["components/001/blob.bin", "components/001/config.json", "components/001/weights.safetensors",
             "input-schema.zip", "manifest.json", "manifest.sha256", "mlnet/000.zip", "mlnet/002.zip"],
            edit.Entries.Select(e => e.Key).Order(StringComparer.Ordinal));

        JsonObject manifest = edit.Manifest;
        Assert.Equal("arml", (string?)manifest["format"]);
        Assert.Equal(1, (int?)manifest["formatVersion"]);
        Assert.False(string.IsNullOrEmpty((string?)manifest["libraryVersion"]));
        Assert.Equal("chain", (string?)manifest["model"]);
        var parts = manifest["parts"]!.AsArray();
        Assert.Equal(["ML.NET", TestComponent.Kind, "ML.NET"], parts.Select(p => (string)p!["kind"]!));
        Assert.Equal(1, (int?)parts[1]!["kindVersion"]);
        var entries = manifest["entries"]!.AsArray();
        Assert.Equal(6, entries.Count);
        foreach (var entry in entries)
        {
            byte[] bytes = edit[(string)entry!["name"]!];
            Assert.Equal(bytes.Length, (long)entry["size"]!);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), (string?)entry["sha256"]);
        }
    }

    [Fact]
    public void MixedChainWithAnArmlComponentRoundTrips()
    {
        var data = SampleData(_ml);
        var text = TextChain(_ml, data).ToArray();
        var component = TestComponent.Create("mixed", kindVersion: 2);
        var model = new TransformerChain<ITransformer>(text[0], component, text[1]);
        var expected = Run(_ml, model, data);

        var loaded = Load(_ml, Save(_ml, model, data.Schema), out var schema);

        var parts = Assert.IsType<TransformerChain<ITransformer>>(loaded).ToArray();
        Assert.Equal(3, parts.Length);
        Assert.IsType<TextNormalizingTransformer>(parts[0]);
        var back = Assert.IsType<TestComponent>(parts[1]);
        Assert.IsType<WordTokenizingTransformer>(parts[2]);
        Assert.Equal(component.Config, back.Config);
        Assert.Equal(2, back.LoadedFromKindVersion);
        Assert.Equal(component.Blob, back.Blob);
        Assert.Equal(component.Tensors.Keys, back.Tensors.Keys);
        foreach (var (name, tensor) in component.Tensors)
        {
            Assert.Equal(tensor.DType, back.Tensors[name].DType);
            Assert.Equal(tensor.Shape, back.Tensors[name].Shape);
            Assert.Equal(tensor.Data, back.Tensors[name].Data);
        }
        AssertSameSchema(data.Schema, schema);
        AssertSameRows(expected, Run(_ml, loaded, data));
    }

    [Fact]
    public void ASingleTransformerComesBackUnwrapped()
    {
        var data = SampleData(_ml);
        var normalize = TextChain(_ml, data).First();
        var loaded = Load(_ml, Save(_ml, normalize, data.Schema), out _);
        Assert.IsType<TextNormalizingTransformer>(loaded);

        var component = TestComponent.Create("single");
        Assert.IsType<TestComponent>(Load(_ml, Save(_ml, component, data.Schema), out _));
    }

    [Fact]
    public void AnEmptyChainRoundTrips()
    {
        var data = SampleData(_ml);
        var loaded = Load(_ml, Save(_ml, new TransformerChain<ITransformer>(), data.Schema), out var schema);
        Assert.Empty(Assert.IsType<TransformerChain<ITransformer>>(loaded));
        AssertSameSchema(data.Schema, schema);
    }

    [Fact]
    public void ComponentFileNamesAreValidated()
    {
        var data = SampleData(_ml);
        var writerProbe = new NameProbeComponent();
        Save(_ml, writerProbe, data.Schema);
        Assert.Equal(8, writerProbe.Rejected.Count);
        Assert.All(writerProbe.Rejected, r => Assert.True(r, "a bad file name was accepted"));
    }

    [Fact]
    public void TheRegistryIsFixed()
    {
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["ArML.CharacterTokenizer"] = "ArML.Transforms.Text.CharacterTokenizerLoader, ArML.Transforms",
        ["ArML.DensityModel"] = "ArML.Trainers.Density.DensityModelLoader, ArML.Trainers",
                ["ArML.GptLanguageModel"] = "ArML.Trainers.Gpt.GptLanguageModelLoader, ArML.Trainers",
                ["ArML.GptClassifier"] = "ArML.Trainers.Classification.GptClassificationLoader, ArML.Trainers",
                ["ArML.NGramLanguageModel"] = "ArML.Trainers.NGram.NGramTransformerLoader, ArML.Trainers",
                ["ArML.TokenDecoder"] = "ArML.Transforms.Text.TokenDecoderLoader, ArML.Transforms",
                ["ArML.Tokenizer"] = "ArML.Transforms.Text.TokenizerLoader, ArML.Transforms",
                ["ArML.LinearBaselineLanguageModel"] = "ArML.Trainers.Baseline.LinearBaselineLanguageModelLoader, ArML.Trainers",
                ["ArML.WaveNetLanguageModel"] = "ArML.Trainers.WaveNet.WaveNetLanguageModelLoader, ArML.Trainers",
                ["ArML.MuLaw"] = "ArML.Transforms.Audio.MuLawLoader, ArML.Transforms",
                ["ArML.VectorQuantizer"] = "ArML.Trainers.VectorQuantization.VectorQuantizerLoader, ArML.Trainers",
                ["ArML.VectorDequantizer"] = "ArML.Trainers.VectorQuantization.VectorDequantizerLoader, ArML.Trainers",
                ["ArML.LstmLanguageModel"] = "ArML.Trainers.Lstm.LstmLanguageModelLoader, ArML.Trainers",
            },
            ArmlComponentRegistry.LoaderTypeNames.OrderBy(p => p.Key).ToDictionary());
        Assert.False(ArmlComponentRegistry.IsRegistered(TestComponent.Kind));
    }

    [Fact]
    public void SavingAComponentOfAnUnregisteredKindFailsThroughThePublicApi()
    {
        var data = SampleData(_ml);
        var e = Assert.Throws<NotSupportedException>(() =>
            _ml.Model.SaveArml(TestComponent.Create("unregistered"), data.Schema, new MemoryStream()));
        Assert.Contains(TestComponent.Kind, e.Message);
    }

    /// <summary>Tries bad names on the writer, then writes one good file.</summary>
    private sealed class NameProbeComponent : ITransformer, IArmlPersistable
    {
        public List<bool> Rejected { get; } = [];
        public string ArmlKind => TestComponent.Kind;
        public int ArmlKindVersion => 1;

        public void SaveArml(ArmlComponentWriter writer)
        {
            foreach (string bad in new[] { "", "..", "a/b", "..\\x", "sp ace", "c:x", "ü" })
            {
                try { writer.WriteBytes(bad, [1]); Rejected.Add(false); }
                catch (ArgumentException) { Rejected.Add(true); }
            }
            writer.WriteBytes("ok-1_2.bin", [1]);
            try { writer.WriteBytes("ok-1_2.bin", [2]); Rejected.Add(false); }
            catch (ArgumentException) { Rejected.Add(true); }
        }

        public bool IsRowToRowMapper => false;
        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inputSchema;
        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw new NotSupportedException();
        public IDataView Transform(IDataView input) => input;
        void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException();
    }
}
