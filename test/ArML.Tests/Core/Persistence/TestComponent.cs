using Xunit;
using System.Collections.Concurrent;
using ArML.Persistence;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Tests.Core.Persistence;

/// <summary>Configuration the test component writes as JSON.</summary>
internal sealed record TestComponentConfig(string Id, bool FailOnLoad, bool ReadMissingFile, string Note);

/// <summary>
/// A pass-through ArML component with configuration, tensors and raw bytes, so the whole persistence pipeline can be
/// exercised without the real tokenizer and language model (which live in other assemblies).
/// </summary>
internal sealed class TestComponent : ITransformer, IArmlPersistable, IDisposable
{
    public const string Kind = "Test.Component";

    public TestComponent(TestComponentConfig config, IReadOnlyDictionary<string, TensorData> tensors, byte[] blob, int kindVersion = 1)
    {
        Config = config;
        Tensors = tensors;
        Blob = blob;
        ArmlKindVersion = kindVersion;
    }

    public TestComponentConfig Config { get; }
    public IReadOnlyDictionary<string, TensorData> Tensors { get; }
    public byte[] Blob { get; }
    public bool IsDisposed { get; private set; }
    public int LoadedFromKindVersion { get; init; }

    /// <summary>Set to throw from SaveArml after the first file was written.</summary>
    public bool FailDuringSave { get; init; }

    public string ArmlKind { get; init; } = Kind;
    public int ArmlKindVersion { get; }

    public void SaveArml(ArmlComponentWriter writer)
    {
        writer.WriteJson("config.json", Config);
        if (FailDuringSave) throw new IOException("simulated failure while saving weights");
        writer.WriteTensors("weights.safetensors", Tensors);
        writer.WriteBytes("blob.bin", Blob);
    }

    public bool IsRowToRowMapper => false;
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inputSchema;
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw new NotSupportedException();
    public IDataView Transform(IDataView input) => input;
    void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException("TestComponent is saved by ArML only.");
    public void Dispose() => IsDisposed = true;

    public static TestComponent Create(string id, bool failOnLoad = false, int kindVersion = 1, bool readMissingFile = false) =>
        new(new TestComponentConfig(id, failOnLoad, readMissingFile, "héllo \"quoted\""), SampleTensors(id.Length), [1, 2, 3, 255, 0], kindVersion);

    public static Dictionary<string, TensorData> SampleTensors(int seed)
    {
        var random = new Random(seed);
        byte[] Bytes(int n) { var b = new byte[n]; random.NextBytes(b); return b; }
        return new Dictionary<string, TensorData>
        {
            ["embedding.weight"] = new("F32", [3, 4], Bytes(48)),
            ["norm.bias"] = new("BF16", [4], Bytes(8)),
            ["positions"] = new("I64", [2, 1, 3], Bytes(48)),
            ["empty"] = new("BOOL", [0], []),
        };
    }
}

/// <summary>Loader of <see cref="TestComponent"/>; records what it built so tests can observe it.</summary>
internal sealed class TestComponentLoader : IArmlComponentLoader
{
    public static readonly ConcurrentDictionary<string, List<TestComponent>> Loaded = new();

    public ITransformer Load(ArmlComponentReader reader, ArmlLoadContext context)
    {
        if (reader.KindVersion is not (1 or 2))
            throw new ArmlModelFormatException($"Test.Component version {reader.KindVersion} is unknown; this loader reads versions 1 and 2.");
        var config = reader.ReadJson<TestComponentConfig>("config.json");
        if (config.ReadMissingFile) reader.ReadBytes("missing.bin");
        if (config.FailOnLoad) throw new InvalidOperationException("simulated loader failure");
        var component = new TestComponent(config, reader.ReadTensors("weights.safetensors"), reader.ReadBytes("blob.bin"), reader.KindVersion)
        {
            LoadedFromKindVersion = reader.KindVersion,
        };
        Loaded.GetOrAdd(config.Id, _ => []).Add(component);
        return component;
    }

    public static int LoadCount(string id) => Loaded.TryGetValue(id, out var list) ? list.Count : 0;
}

/// <summary>Registry tables for tests; the public API always uses the fixed <see cref="ArmlComponentRegistry"/>.</summary>
public static class TestRegistry
{
    public static readonly IReadOnlyDictionary<string, string> Table = new Dictionary<string, string>
    {
        [TestComponent.Kind] = typeof(TestComponentLoader).AssemblyQualifiedName!,
        ["Test.MissingAssembly"] = "ArML.Nowhere.Loader, ArML.NoSuchAssembly",
        ["Test.NotALoader"] = typeof(string).AssemblyQualifiedName!,
    };
}

/// <summary>A transformer that neither ArML nor ML.NET can save.</summary>
public sealed class UnsavableTransformer : ITransformer
{
    public bool IsRowToRowMapper => false;
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inputSchema;
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw new NotSupportedException();
    public IDataView Transform(IDataView input) => input;
    void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException("this transformer has no serialized form");
}
