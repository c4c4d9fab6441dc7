using Xunit;
using System.IO.Compression;
using System.Text.Json;
using ArML.Persistence;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Tests.Core.Persistence;

/// <summary>Writes single-component ArML files from a config object and tensors, as a forger with a valid writer would.</summary>
internal static class ComponentArchives
{
    /// <summary>The input schema written: "Tokens", a vector of 9 keys, and "Features", 4 floats.</summary>
    public static readonly DataViewSchema Schema = MakeSchema();

    private static DataViewSchema MakeSchema()
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Tokens", new VectorDataViewType(new KeyDataViewType(typeof(uint), 9)));
        builder.AddColumn("Features", new VectorDataViewType(NumberDataViewType.Single, 4));
        return builder.ToSchema();
    }

    public static byte[] Write(MLContext ml, string kind, object config, IEnumerable<KeyValuePair<string, TensorData>> tensors,
        string tensorsName = "weights.safetensors")
    {
        using var schemaStream = new MemoryStream();
        ml.Model.Save(new TransformerChain<ITransformer>(), Schema, schemaStream);
        using var stream = new MemoryStream();
        using (var archive = new ArmlArchiveWriter(stream))
        {
            archive.WriteEntry(EntryNames.InputSchema, CompressionLevel.Optimal, schemaStream.ToArray());
            archive.WriteEntry("components/000/config.json", CompressionLevel.Optimal, JsonSerializer.SerializeToUtf8Bytes(config, config.GetType(), ArmlJson.Options));
            archive.WriteEntry($"components/000/{tensorsName}", CompressionLevel.NoCompression, SafeTensorsFormat.ToBytes(tensors));
            archive.Finish(new ArmlManifest
            {
                Format = ArmlManifest.FormatName, FormatVersion = ArmlManifest.CurrentFormatVersion, LibraryVersion = "test",
                Model = ArmlManifest.ModelSingle, InputSchema = EntryNames.InputSchema,
                Parts = [new ManifestPart { Kind = kind, KindVersion = 1, Entries = ["components/000/config.json", $"components/000/{tensorsName}"] }],
                Entries = [],
            });
        }
        return stream.ToArray();
    }
}

/// <summary>Tests that measure the process's memory peak run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection
{
    public const string Name = "Memory measurement";
}

/// <summary>
/// Peak memory of an action, native allocations (libtorch) included: Linux lets a process reset its resident-set
/// high-water mark (writing 5 to /proc/self/clear_refs), so the peak reached during the action can be read back.
/// </summary>
public static class PeakMemory
{
    /// <summary>How far the resident set rose above its level before <paramref name="action"/>, or null where it cannot be measured.</summary>
    public static long? Rise(Action action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            action();
            return null;
        }
        long before = Status("VmRSS:");
        action();
        return Status("VmHWM:") - before;
    }

    private static long Status(string field)
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line[field.Length..].Trim().Split(' ')[0]) * 1024;
    }
}
