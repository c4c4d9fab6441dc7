using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;

namespace ArML.Persistence;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length, a UTF-8 JSON header mapping each
/// tensor name to its dtype, shape and <c>data_offsets</c> (relative to the start of the data area), an optional
/// <c>__metadata__</c> string map, then the raw little-endian tensor data.
/// </summary>
/// <remarks>
/// Both directions stream, so a file larger than one .NET array can be handled as long as each tensor fits in one.
/// Reading trusts nothing: every header field is checked before any tensor buffer is allocated.
/// </remarks>
internal static class SafeTensorsFormat
{
    /// <summary>The largest JSON header accepted (100 MiB); larger declared headers are treated as corrupt.</summary>
    public const int MaxHeaderBytes = 100 * 1024 * 1024;

    private const string MetadataKey = "__metadata__";

    /// <summary>The dtype names this implementation supports, e.g. "F32", "BF16", "I64".</summary>
    public static IReadOnlyCollection<string> SupportedDTypes => TensorDTypes.Names;

    /// <summary>Writes <paramref name="tensors"/> (in the given order) and optional metadata to <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">A name is empty, repeated or reserved, or a tensor's bytes do not match its dtype and shape.</exception>
    public static void Write(Stream destination, IEnumerable<KeyValuePair<string, TensorData>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in list)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("A tensor name is empty.", nameof(tensors));
            if (name == MetadataKey) throw new ArgumentException($"'{MetadataKey}' is reserved and cannot name a tensor.", nameof(tensors));
            if (!seen.Add(name)) throw new ArgumentException($"Tensor '{name}' is given twice.", nameof(tensors));
            if (TensorDTypes.Problem(tensor) is string problem)
                throw new ArgumentException($"Tensor '{name}' cannot be written: {problem}.", nameof(tensors));
        }

        byte[] header = BuildHeader(list, metadata);
        if (header.Length > MaxHeaderBytes)
            throw new ArgumentException($"The safetensors header would be {header.Length} bytes, above the {MaxHeaderBytes}-byte limit readers accept.", nameof(tensors));
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        destination.Write(prefix);
        destination.Write(header);
        foreach (var (_, tensor) in list) destination.Write(tensor.Data);
    }

    /// <summary>Writes the tensors to a new byte array.</summary>
    /// <inheritdoc cref="Write(Stream, IEnumerable{KeyValuePair{string, TensorData}}, IReadOnlyDictionary{string, string})"/>
    public static byte[] ToBytes(IEnumerable<KeyValuePair<string, TensorData>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var buffer = new MemoryStream();
        Write(buffer, tensors, metadata);
        return buffer.ToArray();
    }

    /// <summary>Reads a safetensors file held in <paramref name="data"/>.</summary>
    /// <exception cref="ArmlModelFormatException">The bytes are not a well-formed safetensors file; the message names the tensor.</exception>
    public static SafeTensorsContent Read(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var stream = new MemoryStream(data, writable: false);
        return Read(stream, data.Length);
    }

    /// <summary>
    /// Reads a safetensors file of exactly <paramref name="length"/> bytes from <paramref name="source"/>, which is read
    /// forward only (it need not be seekable) and is left positioned after the file.
    /// </summary>
    /// <exception cref="ArmlModelFormatException">The bytes are not a well-formed safetensors file; the message names the tensor.</exception>
    public static SafeTensorsContent Read(Stream source, long length)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (length < 8)
            throw Error($"the file is {length} bytes long, shorter than the 8-byte header length field");
        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(source, prefix, "the header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength == 0) throw Error("the header is empty");
        if (headerLength > MaxHeaderBytes)
            throw Error($"the header declares {headerLength} bytes, more than the {MaxHeaderBytes}-byte limit");
        if (headerLength > (ulong)(length - 8))
            throw Error($"the header declares {headerLength} bytes but only {length - 8} bytes follow the length field");

        byte[] header = new byte[(int)headerLength];
        ReadExactly(source, header, "the header");
        long dataLength = length - 8 - (long)headerLength;
        var (entries, metadata) = SafeTensorsHeader.Parse(header, dataLength);

        // The header was validated to tile the data area exactly, so reading in offset order consumes it front to back.
        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var entry in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            byte[] bytes = new byte[entry.End - entry.Begin];
            ReadExactly(source, bytes, $"the data of tensor '{entry.Name}'");
            data[entry.Name] = bytes;
        }

        var tensors = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        foreach (var entry in entries)
            tensors[entry.Name] = new TensorData(entry.DType, entry.Shape, data[entry.Name]);
        return new SafeTensorsContent(tensors, metadata);
    }

    private static byte[] BuildHeader(List<KeyValuePair<string, TensorData>> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, tensor) in tensors)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", tensor.DType);
                json.WriteStartArray("shape");
                foreach (long d in tensor.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += tensor.Data.LongLength;
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        // Pad with spaces to a multiple of 8 so the data area starts aligned, as the reference implementation does.
        int padded = (buffer.WrittenCount + 7) / 8 * 8;
        byte[] header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void ReadExactly(Stream source, Span<byte> into, string what)
    {
        try { source.ReadExactly(into); }
        catch (EndOfStreamException e) { throw Error($"the file ends inside {what}", e); }
    }

    internal static ArmlModelFormatException Error(string problem, Exception? inner = null) =>
        new($"Malformed safetensors data: {problem}.", inner);
}
