using System.IO.Compression;

namespace ArML.Persistence;

/// <summary>
/// An opened ArML archive whose manifest has been parsed and whose every entry has been checked against it: names,
/// sizes and SHA-256. Only after <see cref="Open"/> returns does anything get instantiated from the file.
/// </summary>
internal sealed class ArmlArchiveReader : IDisposable
{
    private readonly ZipArchive _zip;
    private readonly Dictionary<string, ZipArchiveEntry> _zipEntries;
    private readonly Dictionary<string, ManifestEntry> _manifestEntries;

    private ArmlArchiveReader(ZipArchive zip, Dictionary<string, ZipArchiveEntry> zipEntries, ArmlManifest manifest)
    {
        _zip = zip;
        _zipEntries = zipEntries;
        Manifest = manifest;
        _manifestEntries = manifest.Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    internal ArmlManifest Manifest { get; }

    /// <summary>
    /// Opens and fully verifies the archive in <paramref name="stream"/> (seekable, left open): its zip layout first
    /// (<see cref="ZipLayout"/>: no overlapping entries, bounded inflation), then the manifest and every entry.
    /// </summary>
    /// <exception cref="ArmlModelFormatException">Anything about the archive is wrong.</exception>
    internal static ArmlArchiveReader Open(Stream stream)
    {
        var spans = ZipLayout.Check(stream, "The model file", ManifestReader.MaxEntries + 2);
        ZipArchive zip = OpenZip(stream);
        try
        {
            ZipLayout.RequireSameEntries(spans, zip, "The model file");
            var zipEntries = IndexEntries(zip);
            byte[] manifestBytes = ReadSmallEntry(zipEntries, EntryNames.Manifest, ManifestReader.MaxManifestBytes);
            byte[] checksumBytes = ReadSmallEntry(zipEntries, EntryNames.ManifestChecksum, 1024);
            var manifest = ManifestReader.Parse(manifestBytes, checksumBytes);
            var reader = new ArmlArchiveReader(zip, zipEntries, manifest);
            reader.VerifyAllEntries();
            return reader;
        }
        catch
        {
            zip.Dispose();
            throw;
        }
    }

    /// <summary>The manifest record of <paramref name="name"/>.</summary>
    internal ManifestEntry Describe(string name) => _manifestEntries[name];

    /// <summary>Reads a whole entry, re-checking its size and checksum as it goes.</summary>
    internal byte[] ReadAll(string name) => VerifyingReadStream.ReadAll(_zipEntries[name], _manifestEntries[name]);

    /// <summary>Opens an entry for streaming; the caller must call <see cref="VerifyingReadStream.VerifyToEnd"/>.</summary>
    internal VerifyingReadStream OpenEntry(string name) => VerifyingReadStream.Open(_zipEntries[name], _manifestEntries[name]);

    public void Dispose() => _zip.Dispose();

    private static ZipArchive OpenZip(Stream stream)
    {
        try
        {
            return new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException or ArgumentException)
        {
            throw new ArmlModelFormatException(
                $"The data is not a readable zip archive, so not an ArML model (it may be truncated, empty or not a model file): {e.Message}", e);
        }
    }

    private static Dictionary<string, ZipArchiveEntry> IndexEntries(ZipArchive zip)
    {
        var index = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        try
        {
            if (zip.Entries.Count > ManifestReader.MaxEntries + 2)
                throw new ArmlModelFormatException($"The archive has {zip.Entries.Count} entries, more than an ArML model may have.");
            foreach (var entry in zip.Entries)
            {
                string name = entry.FullName;
                if (EntryNames.ProblemWithPath(name) is string problem)
                    throw new ArmlModelFormatException($"Archive entry '{name}' is rejected: {problem}.");
                if (!index.TryAdd(name, entry))
                    throw new ArmlModelFormatException($"Archive entry '{name}' appears twice.");
                if (entry.Length < 0 || entry.Length > ManifestReader.MaxEntryBytes)
                    throw new ArmlModelFormatException(
                        $"Archive entry '{name}' declares {entry.Length} bytes, above the {ManifestReader.MaxEntryBytes}-byte limit per entry.");
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            throw new ArmlModelFormatException($"The zip directory is damaged (the file may be truncated): {e.Message}", e);
        }
        return index;
    }

    private static byte[] ReadSmallEntry(Dictionary<string, ZipArchiveEntry> index, string name, int cap)
    {
        if (!index.TryGetValue(name, out var entry))
            throw new ArmlModelFormatException(name == EntryNames.Manifest
                ? $"The archive has no {EntryNames.Manifest}, so it is not an ArML model. (A model saved with ML.NET's mlContext.Model.Save loads with mlContext.Model.Load.)"
                : $"The archive has no {name}; it is damaged or was not written by ArML.");
        if (entry.Length > cap)
            throw new ArmlModelFormatException($"Entry '{name}' declares {entry.Length} bytes, more than the {cap} allowed.");
        try
        {
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            byte[] chunk = new byte[16384];
            int read;
            // Bounded by the cap, not by the zip header's declared length, which may lie.
            while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (buffer.Length + read > cap)
                    throw new ArmlModelFormatException($"Entry '{name}' is longer than the {cap} bytes allowed.");
                buffer.Write(chunk, 0, read);
            }
            return buffer.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            throw new ArmlModelFormatException($"Entry '{name}' is damaged: {e.Message}", e);
        }
    }

    private void VerifyAllEntries()
    {
        foreach (string name in _zipEntries.Keys)
        {
            if (name is EntryNames.Manifest or EntryNames.ManifestChecksum) continue;
            if (!_manifestEntries.ContainsKey(name))
                throw new ArmlModelFormatException($"Archive entry '{name}' is not listed in the manifest; the file was altered.");
        }
        foreach (var expected in Manifest.Entries)
        {
            if (!_zipEntries.TryGetValue(expected.Name, out var entry))
                throw new ArmlModelFormatException($"Entry '{expected.Name}' is listed in the manifest but missing from the archive.");
            if (entry.Length != expected.Size)
                throw new ArmlModelFormatException(
                    $"Entry '{expected.Name}' declares {entry.Length} bytes in the zip directory, but the manifest records {expected.Size}.");
            VerifyingReadStream.Verify(entry, expected);
        }
    }
}
