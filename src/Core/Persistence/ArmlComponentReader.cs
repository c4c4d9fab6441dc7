using System.Text.Json;

namespace ArML.Persistence;

/// <summary>
/// What an <see cref="IArmlComponentLoader"/> reads one component's files from. Every file was already checked
/// against the manifest's checksums before any loader runs, and is checked again while it is read.
/// </summary>
/// <remarks>Valid only during the <see cref="IArmlComponentLoader.Load"/> call.</remarks>
internal sealed class ArmlComponentReader
{
    private const string SafeTensorsErrorPrefix = "Malformed safetensors data";

    private readonly ArmlArchiveReader _archive;
    private readonly Dictionary<string, string> _entries;
    private bool _closed;

    internal ArmlComponentReader(ArmlArchiveReader archive, ManifestPart part, int partIndex)
    {
        _archive = archive;
        Kind = part.Kind;
        KindVersion = part.KindVersion;
        PartIndex = partIndex;
        _entries = part.Entries.ToDictionary(e => e[(e.LastIndexOf('/') + 1)..], StringComparer.Ordinal);
    }

    /// <summary>The component kind recorded in the file (the loader's own kind).</summary>
    public string Kind { get; }

    /// <summary>
    /// The layout version the component was saved with (its <see cref="IArmlPersistable.ArmlKindVersion"/>). Loaders
    /// throw <see cref="ArmlModelFormatException"/> for versions they do not know.
    /// </summary>
    public int KindVersion { get; }

    /// <summary>Position of the component in the saved model's flattened pipeline.</summary>
    public int PartIndex { get; }

    /// <summary>The component's file names.</summary>
    public IReadOnlyCollection<string> Names => _entries.Keys;

    /// <summary>Whether the component wrote a file called <paramref name="name"/>.</summary>
    public bool Contains(string name) => name != null && _entries.ContainsKey(name);

    /// <summary>Reads a file's bytes.</summary>
    /// <exception cref="ArmlModelFormatException">The file is missing or damaged.</exception>
    public byte[] ReadBytes(string name) => _archive.ReadAll(Resolve(name));

    /// <summary>
    /// Reads a JSON file written by <see cref="ArmlComponentWriter.WriteJson{T}"/>. Missing required members,
    /// nulls in non-nullable members and a null document are errors.
    /// </summary>
    /// <exception cref="ArmlModelFormatException">The file is missing, damaged, or does not deserialize to <typeparamref name="T"/>.</exception>
    public T ReadJson<T>(string name)
    {
        string entry = Resolve(name);
        byte[] json = _archive.ReadAll(entry);
        T? value;
        try
        {
            value = JsonSerializer.Deserialize<T>(json, ArmlJson.Options);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException)
        {
            throw new ArmlModelFormatException($"Entry '{entry}' of component {Kind} is not a valid {typeof(T).Name}: {e.Message}", e);
        }
        return value ?? throw new ArmlModelFormatException($"Entry '{entry}' of component {Kind} holds null.");
    }

    /// <summary>Reads a safetensors file written by <see cref="ArmlComponentWriter.WriteTensors"/>.</summary>
    /// <exception cref="ArmlModelFormatException">The file is missing, damaged or not well-formed safetensors; the message names the tensor.</exception>
    public IReadOnlyDictionary<string, TensorData> ReadTensors(string name)
    {
        string entry = Resolve(name);
        using var stream = _archive.OpenEntry(entry);
        SafeTensorsContent content;
        try
        {
            content = SafeTensorsFormat.Read(stream, _archive.Describe(entry).Size);
        }
        catch (ArmlModelFormatException e) when (e.Message.StartsWith(SafeTensorsErrorPrefix, StringComparison.Ordinal))
        {
            throw new ArmlModelFormatException($"Entry '{entry}' of component {Kind}: {e.Message}", e);
        }
        stream.VerifyToEnd();
        return content.Tensors;
    }

    internal void Close() => _closed = true;

    private string Resolve(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_closed) throw new InvalidOperationException("This ArmlComponentReader belongs to a load that has finished.");
        if (_entries.TryGetValue(name, out string? entry)) return entry;
        throw new ArmlModelFormatException(
            $"Component {Kind} (part {PartIndex}) has no file '{name}' in this model; it has: " +
            (_entries.Count == 0 ? "no files" : string.Join(", ", _entries.Keys.Order(StringComparer.Ordinal))) + ".");
    }
}
