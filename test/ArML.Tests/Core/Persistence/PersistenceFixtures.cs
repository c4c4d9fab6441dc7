using Xunit;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ArML.Persistence;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Tests.Core.Persistence;

public sealed class TextRow
{
    public string Text { get; set; } = "";
}

public sealed class TokenizedRow
{
    public string Text { get; set; } = "";
    public string Normalized { get; set; } = "";
    public string[] Words { get; set; } = [];
}

/// <summary>Small ML.NET models and data, plus saving and loading through the internal entry points with a test registry.</summary>
public static class PersistenceFixtures
{
    public static readonly TextRow[] Rows =
    [
        new() { Text = "Hello, World! Ça va?" },
        new() { Text = "  The QUICK brown fox  " },
        new() { Text = "" },
        new() { Text = "naïve café 123" },
    ];

    public static IDataView SampleData(MLContext ml) => ml.Data.LoadFromEnumerable(Rows);

    /// <summary>NormalizeText then TokenizeIntoWords, fitted.</summary>
    public static TransformerChain<ITransformer> TextChain(MLContext ml, IDataView data)
    {
        var fitted = ml.Transforms.Text.NormalizeText("Normalized", "Text")
            .Append(ml.Transforms.Text.TokenizeIntoWords("Words", "Normalized"))
            .Fit(data);
        return new TransformerChain<ITransformer>(fitted.ToArray());
    }

    public static List<TokenizedRow> Run(MLContext ml, ITransformer model, IDataView data) =>
        ml.Data.CreateEnumerable<TokenizedRow>(model.Transform(data), reuseRowObject: false).ToList();

    public static byte[] Save(MLContext ml, ITransformer model, DataViewSchema schema)
    {
        using var stream = new MemoryStream();
        ArmlModelSaver.Save(ml.Model, model, schema, stream, TestRegistry.Table);
        return stream.ToArray();
    }

    public static ITransformer Load(MLContext ml, byte[] file, out DataViewSchema schema) =>
        ArmlModelLoader.Load(ml.Model, new MemoryStream(file, writable: false), out schema, new ArmlLoadContext(), TestRegistry.Table);

    public static void AssertSameSchema(DataViewSchema expected, DataViewSchema actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Name, actual[i].Name);
            Assert.Equal(expected[i].Type, actual[i].Type);
            Assert.Equal(expected[i].IsHidden, actual[i].IsHidden);
        }
    }

    public static void AssertSameRows(List<TokenizedRow> expected, List<TokenizedRow> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Text, actual[i].Text);
            Assert.Equal(expected[i].Normalized, actual[i].Normalized);
            Assert.Equal(expected[i].Words, actual[i].Words);
        }
    }
}

/// <summary>Reads, edits and rewrites model archives to craft damaged or hostile files.</summary>
public sealed class ArchiveEdit
{
    public List<KeyValuePair<string, byte[]>> Entries { get; } = [];

    public static ArchiveEdit Of(byte[] zip)
    {
        var edit = new ArchiveEdit();
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        foreach (var entry in archive.Entries)
        {
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            edit.Entries.Add(new(entry.FullName, buffer.ToArray()));
        }
        return edit;
    }

    public byte[] this[string name]
    {
        get => Entries.Single(e => e.Key == name).Value;
        set
        {
            int i = Entries.FindIndex(e => e.Key == name);
            if (i < 0) Entries.Add(new(name, value));
            else Entries[i] = new(name, value);
        }
    }

    public void Remove(string name) => Entries.RemoveAll(e => e.Key == name);

    public JsonObject Manifest
    {
        get => JsonNode.Parse(this["manifest.json"])!.AsObject();
        set
        {
            this["manifest.json"] = Encoding.UTF8.GetBytes(value.ToJsonString());
            this["manifest.sha256"] = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA256.HashData(this["manifest.json"])));
        }
    }

    /// <summary>Replaces an entry and updates its size and checksum in the manifest, as a careful forger would.</summary>
    public void ReplaceConsistently(string name, byte[] data)
    {
        this[name] = data;
        var manifest = Manifest;
        var record = manifest["entries"]!.AsArray().Single(e => (string)e!["name"]! == name)!;
        record["size"] = data.Length;
        record["sha256"] = Convert.ToHexStringLower(SHA256.HashData(data));
        Manifest = manifest;
    }

    public byte[] ToZip()
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, data) in Entries)
            {
                using var stream = archive.CreateEntry(name, CompressionLevel.Optimal).Open();
                stream.Write(data);
            }
        }
        return buffer.ToArray();
    }

    /// <summary>Overwrites the uncompressed size that the zip central directory records for <paramref name="name"/>.</summary>
    public static byte[] PatchCentralDirectorySize(byte[] zip, string name, uint size)
    {
        byte[] copy = (byte[])zip.Clone();
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        for (int i = 0; i + 46 <= copy.Length; i++)
        {
            if (copy[i] != 0x50 || copy[i + 1] != 0x4B || copy[i + 2] != 0x01 || copy[i + 3] != 0x02) continue;
            int nameLength = BitConverter.ToUInt16(copy, i + 28);
            if (nameLength == nameBytes.Length && copy.AsSpan(i + 46, nameLength).SequenceEqual(nameBytes))
            {
                BitConverter.GetBytes(size).CopyTo(copy, i + 24);
                return copy;
            }
        }
        throw new InvalidOperationException($"No central directory record for {name}.");
    }
}
