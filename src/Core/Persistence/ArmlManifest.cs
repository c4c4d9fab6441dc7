using System.Text.Json.Serialization;

namespace ArML.Persistence;

/// <summary>The table of contents of an ArML model file (entry <c>manifest.json</c>).</summary>
internal sealed record ArmlManifest
{
    internal const string FormatName = "arml";
    internal const int CurrentFormatVersion = 1;
    internal const string ModelChain = "chain";
    internal const string ModelSingle = "single";

    /// <summary>Always "arml"; tells an ArML file apart from other zip files.</summary>
    public required string Format { get; init; }

    /// <summary>Layout version of the file as a whole; readers refuse versions they do not know.</summary>
    public required int FormatVersion { get; init; }

    /// <summary>ArML version that wrote the file, for diagnostics only.</summary>
    public required string LibraryVersion { get; init; }

    /// <summary>"chain" when the saved model was a transformer chain, "single" for one bare transformer.</summary>
    public required string Model { get; init; }

    /// <summary>Entry holding the model's input schema (an empty ML.NET chain saved with that schema).</summary>
    public required string InputSchema { get; init; }

    /// <summary>The model's parts, in pipeline order.</summary>
    public required IReadOnlyList<ManifestPart> Parts { get; init; }

    /// <summary>Every entry of the archive except the manifest and its checksum.</summary>
    public required IReadOnlyList<ManifestEntry> Entries { get; init; }
}

/// <summary>One part of the pipeline: a run of ML.NET transformers, or one ArML component.</summary>
internal sealed record ManifestPart
{
    /// <summary>Kind written into the manifest for runs of ML.NET transformers.</summary>
    internal const string MlNetKind = "ML.NET";

    /// <summary><see cref="MlNetKind"/>, or the <see cref="IArmlPersistable.ArmlKind"/> of an ArML component.</summary>
    public required string Kind { get; init; }

    /// <summary>The component's layout version (1 for ML.NET segments).</summary>
    public required int KindVersion { get; init; }

    /// <summary>For ML.NET segments, how many transformers the segment holds; absent for ArML components.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? TransformerCount { get; init; }

    /// <summary>The archive entries of this part.</summary>
    public required IReadOnlyList<string> Entries { get; init; }
}

/// <summary>Size and checksum of one archive entry.</summary>
internal sealed record ManifestEntry
{
    /// <summary>Path inside the archive.</summary>
    public required string Name { get; init; }

    /// <summary>Exact uncompressed size in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>Lowercase hex SHA-256 of the uncompressed bytes.</summary>
    public required string Sha256 { get; init; }
}
