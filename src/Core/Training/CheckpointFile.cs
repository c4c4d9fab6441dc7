using ArML.Persistence;

namespace ArML.Training;

/// <summary>
/// The checkpoint's file format: a safetensors file whose metadata adds a format version and a SHA-256 over
/// everything else in the file (every tensor's name, dtype, shape and bytes, and the other metadata), so that a
/// damaged checkpoint is refused before anything in it is used.
/// </summary>
/// <remarks>
/// The checksum is the SHA-256 of the safetensors serialization of the tensors in ordinal name order with the
/// metadata (the checksum itself left out) in ordinal key order: a canonical image that reading can rebuild from
/// what it parsed, whatever order the file lists them in.
/// </remarks>
internal static class CheckpointFile
{
    /// <summary>The format this ArML writes; 1 was the unversioned, unchecked checkpoint of earlier versions.</summary>
    internal const int FormatVersion = 2;

    private const string VersionKey = "arml_checkpoint_format";
    private const string ChecksumKey = "arml_checksum";
    private const string ChecksumScheme = "sha256:";

    /// <summary>Writes <paramref name="tensors"/> and <paramref name="metadata"/> with the version and checksum, atomically.</summary>
    internal static void Write(string path, List<KeyValuePair<string, TensorData>> tensors, Dictionary<string, string> metadata)
    {
        metadata[VersionKey] = FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        metadata[ChecksumKey] = Checksum(tensors, metadata);
        AtomicFile.Write(path, stream => SafeTensorsFormat.Write(stream, tensors, metadata));
    }

    /// <summary>Reads the checkpoint at <paramref name="path"/> and checks its version and checksum.</summary>
    /// <exception cref="ArmlModelFormatException">The file is malformed, of another format version, or damaged; the message names it.</exception>
    internal static SafeTensorsContent Read(string path)
    {
        SafeTensorsContent content;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            content = SafeTensorsFormat.Read(stream, stream.Length);
        }
        catch (ArmlModelFormatException e)
        {
            throw new ArmlModelFormatException($"Checkpoint {path} is damaged: {e.Message} {Advice}", e);
        }
        if (!content.Metadata.TryGetValue(VersionKey, out var version))
            throw new ArmlModelFormatException(
                $"Checkpoint {path} has no format version: it was written by an ArML that did not checksum checkpoints, or is not an ArML checkpoint. {Advice}");
        if (version != FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
            throw new ArmlModelFormatException(
                $"Checkpoint {path} has format version '{Shorten(version)}'; this ArML reads version {FormatVersion}. {Advice}");
        if (!content.Metadata.TryGetValue(ChecksumKey, out var stored))
            throw new ArmlModelFormatException($"Checkpoint {path} has no checksum. {Advice}");
        string computed = Checksum(content.Tensors, content.Metadata);
        if (stored != computed)
            throw new ArmlModelFormatException(
                $"Checkpoint {path} is damaged: its contents do not match its checksum (stored {Shorten(stored)}, computed {computed}). {Advice}");
        return content;
    }

    /// <summary>What a user can do about a checkpoint that cannot be used.</summary>
    internal const string Advice = "Delete it, use another CheckpointDirectory, or set ResumeFromCheckpoint = false to start afresh.";

    private static string Checksum(IEnumerable<KeyValuePair<string, TensorData>> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        var ordered = tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal);
        var rest = new SortedDictionary<string, string>(metadata.Where(kv => kv.Key != ChecksumKey).ToDictionary(), StringComparer.Ordinal);
        using var hashing = new HashingWriteStream(Stream.Null);
        SafeTensorsFormat.Write(hashing, ordered, rest);
        return ChecksumScheme + hashing.FinishHash();
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "…";
}
