using System.IO.Compression;
using System.Text.Json;

namespace ArML.Persistence;

/// <summary>
/// Where an <see cref="IArmlPersistable"/> component writes its files during <c>SaveArml</c>. Each file becomes an
/// entry in the component's own folder of the model archive, checksummed in the manifest.
/// </summary>
/// <remarks>
/// Names are plain file names of ASCII letters, digits, '.', '_' and '-' (e.g. "config.json", "weights.safetensors"),
/// each written once. The writer is valid only during the <see cref="IArmlPersistable.SaveArml"/> call.
/// </remarks>
public sealed class ArmlComponentWriter
{
    private readonly ArmlArchiveWriter _archive;
    private readonly string _folder;
    private readonly List<string> _entries = [];
    private bool _closed;

    internal ArmlComponentWriter(ArmlArchiveWriter archive, string folder)
    {
        _archive = archive;
        _folder = folder;
    }

    internal IReadOnlyList<string> Entries => _entries;

    /// <summary>Writes <paramref name="value"/> as JSON (System.Text.Json, camelCase property names, indented).</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a valid file name or was already written.</exception>
    /// <exception cref="InvalidOperationException">The writer is used after its component's <c>SaveArml</c> returned.</exception>
    internal void WriteJson<T>(string name, T value)
    {
        string entry = Claim(name);
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(value, ArmlJson.Options);
        _archive.WriteEntry(entry, CompressionLevel.Optimal, json);
    }

    /// <summary>Writes tensors as a safetensors file, in the order given.</summary>
    /// <exception cref="ArgumentException">
    /// <paramref name="name"/> is invalid or already written, or a tensor's bytes do not match its dtype and shape.
    /// </exception>
    /// <exception cref="InvalidOperationException">The writer is used after its component's <c>SaveArml</c> returned.</exception>
    internal void WriteTensors(string name, IEnumerable<KeyValuePair<string, TensorData>> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        string entry = Claim(name);
        var list = tensors.ToList();
        // Weights barely compress and are large; storing them keeps save and load fast.
        _archive.WriteEntry(entry, CompressionLevel.NoCompression, stream => SafeTensorsFormat.Write(stream, list));
    }

    /// <summary>Writes raw bytes.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a valid file name or was already written.</exception>
    /// <exception cref="InvalidOperationException">The writer is used after its component's <c>SaveArml</c> returned.</exception>
    internal void WriteBytes(string name, ReadOnlySpan<byte> data)
    {
        string entry = Claim(name);
        _archive.WriteEntry(entry, CompressionLevel.Optimal, data);
    }

    internal void Close() => _closed = true;

    private string Claim(string name)
    {
        if (_closed) throw new InvalidOperationException("This ArmlComponentWriter belongs to a SaveArml call that has returned.");
        if (EntryNames.ProblemWithFileName(name) is string problem)
            throw new ArgumentException($"'{name}' is not a valid component file name: {problem}.", nameof(name));
        string entry = _folder + name;
        if (_entries.Contains(entry))
            throw new ArgumentException($"Component file '{name}' is written twice.", nameof(name));
        _entries.Add(entry);
        return entry;
    }
}
