using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ArML.Persistence;

/// <summary>Parses <c>manifest.json</c> and proves it is intact and internally consistent before anything relies on it.</summary>
internal static class ManifestReader
{
    /// <summary>Largest manifest accepted; a real one is a few kilobytes.</summary>
    internal const int MaxManifestBytes = 16 * 1024 * 1024;

    /// <summary>Largest entry accepted (8 GiB); larger declared sizes are taken as corruption or an attack.</summary>
    internal const long MaxEntryBytes = 8L * 1024 * 1024 * 1024;

    /// <summary>Most entries accepted in one archive.</summary>
    internal const int MaxEntries = 100_000;

    internal static ArmlManifest Parse(byte[] manifestBytes, byte[] checksumBytes)
    {
        // The version comes first: a future format may change everything else, including how the checksum is kept.
        CheckFormatAndVersion(manifestBytes);
        CheckChecksum(manifestBytes, checksumBytes);
        ArmlManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ArmlManifest>(manifestBytes, ArmlJson.Options);
        }
        catch (JsonException e)
        {
            throw new ArmlModelFormatException($"{EntryNames.Manifest} is malformed: {e.Message}", e);
        }
        if (manifest is null) throw new ArmlModelFormatException($"{EntryNames.Manifest} is null.");
        Validate(manifest);
        return manifest;
    }

    private static void CheckFormatAndVersion(byte[] manifestBytes)
    {
        try
        {
            using var document = JsonDocument.Parse(manifestBytes, new JsonDocumentOptions { MaxDepth = 64 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new ArmlModelFormatException($"{EntryNames.Manifest} is not a JSON object.");
            if (!root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String
                || format.GetString() != ArmlManifest.FormatName)
                throw new ArmlModelFormatException(
                    $"{EntryNames.Manifest} does not declare format \"{ArmlManifest.FormatName}\"; this is not an ArML model file.");
            if (!root.TryGetProperty("formatVersion", out var version) || !version.TryGetInt32(out int v))
                throw new ArmlModelFormatException($"{EntryNames.Manifest} has no integer formatVersion.");
            if (v != ArmlManifest.CurrentFormatVersion)
                throw new ArmlModelFormatException(
                    $"The file has ArML format version {v}; this ArML ({ArmlVersion.Current}) reads format version " +
                    $"{ArmlManifest.CurrentFormatVersion} only." +
                    (v > ArmlManifest.CurrentFormatVersion ? " It was written by a newer ArML; upgrade ArML to load it." : ""));
        }
        catch (JsonException e)
        {
            throw new ArmlModelFormatException($"{EntryNames.Manifest} is not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e) // a formatVersion that is not a number
        {
            throw new ArmlModelFormatException($"{EntryNames.Manifest} has no integer formatVersion.", e);
        }
    }

    private static void CheckChecksum(byte[] manifestBytes, byte[] checksumBytes)
    {
        string recorded = Encoding.ASCII.GetString(checksumBytes).Trim();
        string actual = Convert.ToHexStringLower(SHA256.HashData(manifestBytes));
        if (!string.Equals(recorded, actual, StringComparison.OrdinalIgnoreCase))
            throw new ArmlModelFormatException(
                $"Manifest checksum mismatch: {EntryNames.ManifestChecksum} does not match {EntryNames.Manifest}. " +
                "The manifest was changed or damaged after the model was saved.");
    }

    private static void Validate(ArmlManifest manifest)
    {
        if (manifest.Model is not (ArmlManifest.ModelChain or ArmlManifest.ModelSingle))
            throw Invalid($"model is '{manifest.Model}', expected '{ArmlManifest.ModelChain}' or '{ArmlManifest.ModelSingle}'");
        if (manifest.Entries.Count > MaxEntries) throw Invalid($"it lists {manifest.Entries.Count} entries, more than {MaxEntries}");
        if (manifest.Parts.Count > MaxEntries) throw Invalid($"it lists {manifest.Parts.Count} parts, more than {MaxEntries}");

        var entries = new Dictionary<string, ManifestEntry>(StringComparer.Ordinal);
        foreach (var entry in manifest.Entries)
        {
            if (entry is null) throw Invalid("an entry record is null");
            if (EntryNames.ProblemWithPath(entry.Name) is string problem) throw Invalid($"entry name '{entry.Name}' is rejected: {problem}");
            if (entry.Name is EntryNames.Manifest or EntryNames.ManifestChecksum) throw Invalid($"it lists '{entry.Name}' as an entry");
            if (!entries.TryAdd(entry.Name, entry)) throw Invalid($"entry '{entry.Name}' is listed twice");
            if (entry.Size < 0) throw Invalid($"entry '{entry.Name}' has negative size {entry.Size}");
            if (entry.Size > MaxEntryBytes)
                throw Invalid($"entry '{entry.Name}' declares {entry.Size} bytes, above the {MaxEntryBytes}-byte limit per entry");
            if (entry.Sha256.Length != 64 || !entry.Sha256.All(char.IsAsciiHexDigit))
                throw Invalid($"entry '{entry.Name}' has a malformed SHA-256 '{entry.Sha256}'");
        }

        var owner = new Dictionary<string, string>(StringComparer.Ordinal);
        Claim(owner, entries, manifest.InputSchema, "the input schema");
        for (int i = 0; i < manifest.Parts.Count; i++)
        {
            var part = manifest.Parts[i] ?? throw Invalid($"part {i} is null");
            string label = $"part {i} ({part.Kind})";
            if (string.IsNullOrWhiteSpace(part.Kind)) throw Invalid($"part {i} has no kind");
            foreach (string name in part.Entries) Claim(owner, entries, name, label);
            if (part.Kind == ManifestPart.MlNetKind) ValidateMlNetPart(part, label);
            else ValidateComponentPart(part, label);
        }
        foreach (string name in entries.Keys)
            if (!owner.ContainsKey(name)) throw Invalid($"entry '{name}' belongs to no part");
        if (manifest.Model == ArmlManifest.ModelSingle && manifest.Parts.Count != 1)
            throw Invalid($"a single-transformer model has {manifest.Parts.Count} parts");
    }

    private static void ValidateMlNetPart(ManifestPart part, string label)
    {
        if (part.KindVersion != 1) throw Invalid($"{label} has version {part.KindVersion}; this ArML knows version 1");
        if (part.Entries.Count != 1) throw Invalid($"{label} has {part.Entries.Count} entries instead of 1");
        if (part.TransformerCount is not (>= 1 and <= MaxEntries)) throw Invalid($"{label} has no valid transformerCount");
    }

    private static void ValidateComponentPart(ManifestPart part, string label)
    {
        // Components address their entries by file name, so all must sit in one folder with distinct names.
        string? folder = null;
        foreach (string name in part.Entries)
        {
            int slash = name.LastIndexOf('/');
            string thisFolder = name[..(slash + 1)];
            if (slash < 0 || (folder != null && thisFolder != folder))
                throw Invalid($"{label}'s entries are not all in one folder");
            folder = thisFolder;
        }
    }

    private static void Claim(Dictionary<string, string> owner, Dictionary<string, ManifestEntry> entries, string? name, string by)
    {
        if (name is null) throw Invalid($"{by} names a null entry");
        if (!entries.ContainsKey(name)) throw Invalid($"{by} refers to entry '{name}', which the manifest does not list");
        if (!owner.TryAdd(name, by)) throw Invalid($"entry '{name}' is claimed by both {owner[name]} and {by}");
    }

    private static ArmlModelFormatException Invalid(string problem) => new($"{EntryNames.Manifest} is inconsistent: {problem}.");
}
