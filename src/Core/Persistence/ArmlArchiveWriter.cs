using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ArML.Persistence;

/// <summary>
/// Writes an ArML archive front to back: entries are hashed while they are written, and the manifest that records
/// their sizes and checksums goes last. Works on non-seekable destinations (zip data descriptors).
/// </summary>
internal sealed class ArmlArchiveWriter : IDisposable
{
    // A fixed timestamp keeps saves of the same model byte-identical as far as ArML's own entries go.
    private static readonly DateTimeOffset EntryTimestamp = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly ZipArchive _zip;
    private readonly List<ManifestEntry> _entries = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    internal ArmlArchiveWriter(Stream destination) =>
        _zip = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true);

    /// <summary>Adds an entry whose content <paramref name="write"/> produces.</summary>
    internal void WriteEntry(string name, CompressionLevel level, Action<Stream> write)
    {
        using var stream = Begin(name, level, out var zipStream);
        using (zipStream)
        {
            write(stream);
        }
        End(name, stream);
    }

    /// <summary>Adds an entry holding <paramref name="data"/>.</summary>
    internal void WriteEntry(string name, CompressionLevel level, ReadOnlySpan<byte> data)
    {
        using var stream = Begin(name, level, out var zipStream);
        using (zipStream)
        {
            stream.Write(data);
        }
        End(name, stream);
    }

    /// <summary>Writes the manifest (with the entry table filled in) and its checksum.</summary>
    internal void Finish(ArmlManifest manifest)
    {
        var complete = manifest with { Entries = _entries.ToArray() };
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(complete, ArmlJson.Options);
        byte[] checksum = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA256.HashData(json)) + "\n");
        WriteRaw(EntryNames.Manifest, json);
        WriteRaw(EntryNames.ManifestChecksum, checksum);
    }

    public void Dispose() => _zip.Dispose();

    private HashingWriteStream Begin(string name, CompressionLevel level, out Stream zipStream)
    {
        if (EntryNames.ProblemWithPath(name) is string problem)
            throw new InvalidOperationException($"ArML tried to write the invalid entry name '{name}': {problem}.");
        if (name is EntryNames.Manifest or EntryNames.ManifestChecksum || !_names.Add(name))
            throw new InvalidOperationException($"Entry '{name}' is written twice.");
        var entry = _zip.CreateEntry(name, level);
        entry.LastWriteTime = EntryTimestamp;
        zipStream = entry.Open();
        return new HashingWriteStream(zipStream);
    }

    private void End(string name, HashingWriteStream stream) =>
        _entries.Add(new ManifestEntry { Name = name, Size = stream.BytesWritten, Sha256 = stream.FinishHash() });

    private void WriteRaw(string name, byte[] data)
    {
        var entry = _zip.CreateEntry(name, CompressionLevel.Optimal);
        entry.LastWriteTime = EntryTimestamp;
        using var stream = entry.Open();
        stream.Write(data);
    }
}
