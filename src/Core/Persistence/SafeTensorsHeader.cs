using System.Text.Json;

namespace ArML.Persistence;

/// <summary>Parses and validates a safetensors JSON header against the size of the data area that follows it.</summary>
internal static class SafeTensorsHeader
{
    internal sealed record Entry(string Name, string DType, long[] Shape, long Begin, long End);

    private const string MetadataKey = "__metadata__";

    /// <summary>
    /// The tensors in header order and the metadata. Guarantees: known dtypes, non-negative shapes, byte counts equal
    /// to product(shape) × element size, and offsets that tile [0, <paramref name="dataLength"/>) without gap or overlap.
    /// </summary>
    internal static (List<Entry> Entries, IReadOnlyDictionary<string, string> Metadata) Parse(byte[] header, long dataLength)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw SafeTensorsFormat.Error($"the header is not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw SafeTensorsFormat.Error("the header is not a JSON object");
            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                    throw SafeTensorsFormat.Error($"'{Shorten(property.Name)}' appears twice in the header");
                if (property.Name == MetadataKey) ReadMetadata(property.Value, metadata);
                else entries.Add(ReadEntry(property.Name, property.Value, dataLength));
            }
            CheckTiling(entries, dataLength);
            return (entries, metadata);
        }
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> into)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw SafeTensorsFormat.Error($"'{MetadataKey}' is not a JSON object");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw SafeTensorsFormat.Error($"metadata value '{Shorten(item.Name)}' is not a string");
            into[item.Name] = item.Value.GetString()!;
        }
    }

    private static Entry ReadEntry(string name, JsonElement value, long dataLength)
    {
        string shown = Shorten(name);
        if (name.Length == 0) throw SafeTensorsFormat.Error("a tensor has an empty name");
        if (value.ValueKind != JsonValueKind.Object)
            throw SafeTensorsFormat.Error($"the header entry of tensor '{shown}' is not a JSON object");

        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw SafeTensorsFormat.Error($"tensor '{shown}' has no string 'dtype'");
        string dtype = dtypeElement.GetString()!;
        if (!TensorDTypes.TryGetElementSize(dtype, out int elementSize))
            throw SafeTensorsFormat.Error($"tensor '{shown}' has unknown dtype '{Shorten(dtype)}' (known: {string.Join(", ", TensorDTypes.Names)})");

        long[] shape = ReadIntegers(value, "shape", shown, expectedCount: null);
        long[] offsets = ReadIntegers(value, "data_offsets", shown, expectedCount: 2);
        long begin = offsets[0], end = offsets[1];
        if (begin > end)
            throw SafeTensorsFormat.Error($"tensor '{shown}' has data_offsets [{begin}, {end}] that end before they begin");
        if (end > dataLength)
            throw SafeTensorsFormat.Error($"tensor '{shown}' has data_offsets [{begin}, {end}] beyond the {dataLength}-byte data area");

        long? expected = TensorDTypes.ByteCount(elementSize, shape);
        if (expected is null)
            throw SafeTensorsFormat.Error($"tensor '{shown}' has a shape whose size overflows");
        if (expected.Value != end - begin)
            throw SafeTensorsFormat.Error(
                $"tensor '{shown}' spans {end - begin} bytes but dtype {dtype} and shape [{string.Join(", ", shape)}] need {expected.Value}");
        if (end - begin > Array.MaxLength)
            throw SafeTensorsFormat.Error($"tensor '{shown}' is {end - begin} bytes, more than one .NET array can hold");
        return new Entry(name, dtype, shape, begin, end);
    }

    private static long[] ReadIntegers(JsonElement value, string field, string tensor, int? expectedCount)
    {
        if (!value.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
            throw SafeTensorsFormat.Error($"tensor '{tensor}' has no '{field}' array");
        int count = array.GetArrayLength();
        if (expectedCount is int n && count != n)
            throw SafeTensorsFormat.Error($"tensor '{tensor}' has {count} '{field}' values instead of {n}");
        if (count > 64)
            throw SafeTensorsFormat.Error($"tensor '{tensor}' has {count} '{field}' values, more than any real tensor");
        var result = new long[count];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v))
                throw SafeTensorsFormat.Error($"tensor '{tensor}' has a non-integer '{field}' value");
            if (v < 0)
                throw SafeTensorsFormat.Error($"tensor '{tensor}' has a negative '{field}' value {v}");
            result[i++] = v;
        }
        return result;
    }

    private static void CheckTiling(List<Entry> entries, long dataLength)
    {
        long cursor = 0;
        Entry? previous = null;
        foreach (var entry in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (entry.Begin < cursor)
                throw SafeTensorsFormat.Error($"tensor '{Shorten(entry.Name)}' overlaps tensor '{Shorten(previous!.Name)}'");
            if (entry.Begin > cursor)
                throw SafeTensorsFormat.Error($"{entry.Begin - cursor} bytes before tensor '{Shorten(entry.Name)}' belong to no tensor");
            cursor = entry.End;
            previous = entry;
        }
        if (cursor != dataLength)
            throw SafeTensorsFormat.Error(previous is null
                ? $"the data area holds {dataLength} bytes but the header declares no tensors"
                : $"the data area holds {dataLength} bytes but the tensors cover only {cursor} (after tensor '{Shorten(previous.Name)}')");
    }

    // Names come from the file; keep error messages readable even when a name is huge.
    private static string Shorten(string s) => s.Length <= 120 ? s : s[..120] + "…";
}
