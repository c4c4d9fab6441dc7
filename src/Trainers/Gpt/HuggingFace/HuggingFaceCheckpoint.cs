using System.Buffers.Binary;
using System.Text.Json;
using ArML.Persistence;
using ArML.Torch;
using static TorchSharp.torch;

namespace ArML.Trainers.Gpt.HuggingFace;

/// <summary>
/// The weights of a Hugging Face GPT-2 checkpoint: model.safetensors, or the shards a model.safetensors.index.json
/// names. Only the files' headers are read until every tensor has been matched with the GPT-2 configuration (names,
/// shapes, dtypes); then each tensor streams from the file into its parameter, so loading holds little more than
/// the model itself and one staging buffer (for tensors that need converting or transposing). Pickled checkpoints
/// (pytorch_model.bin, *.pt) are refused: ArML never runs code from a file.
/// </summary>
internal sealed class HuggingFaceCheckpoint : IDisposable
{
    internal const string SingleFile = "model.safetensors";
    internal const string IndexFile = "model.safetensors.index.json";
    private static readonly string[] Pickles = ["pytorch_model.bin", "pytorch_model.bin.index.json", "model.pt", "model.pth", "model.ckpt"];
    private static readonly HashSet<string> FloatTypes = new(StringComparer.Ordinal) { "F32", "F16", "BF16", "F64" };

    private readonly Dictionary<string, (string File, long DataStart, SafeTensorsHeader.Entry Entry)> _tensors;

    private Tensor? _staging;

    private HuggingFaceCheckpoint(Dictionary<string, (string, long, SafeTensorsHeader.Entry)> tensors) => _tensors = tensors;

    /// <summary>Reads the headers of the directory's safetensors file(s).</summary>
    /// <exception cref="ArmlModelFormatException">No safetensors weights (a pickle is named with how to convert it), or a malformed header or index.</exception>
    internal static HuggingFaceCheckpoint Open(string directory)
    {
        var files = new List<string>();
        var owner = new Dictionary<string, string>(StringComparer.Ordinal);
        if (File.Exists(Path.Combine(directory, SingleFile))) files.Add(SingleFile);
        else if (File.Exists(Path.Combine(directory, IndexFile))) files.AddRange(ReadIndex(directory, owner));
        else
        {
            string? pickle = Pickles.FirstOrDefault(p => File.Exists(Path.Combine(directory, p)))
                ?? Directory.EnumerateFiles(directory, "*.pt").Concat(Directory.EnumerateFiles(directory, "*.bin")).Select(Path.GetFileName).FirstOrDefault();
            throw new ArmlModelFormatException(pickle != null
                ? $"'{directory}' holds its weights as {pickle}, a Python pickle, which ArML never loads (unpickling runs code from the file). " +
                  "Convert it to safetensors once with transformers: python -c \"from transformers import GPT2LMHeadModel as M; " +
                  $"M.from_pretrained('{directory}').save_pretrained('{directory}', safe_serialization=True)\"."
                : $"'{directory}' has neither {SingleFile} nor {IndexFile}.");
        }
        var tensors = new Dictionary<string, (string, long, SafeTensorsHeader.Entry)>(StringComparer.Ordinal);
        foreach (string file in files)
        {
            string path = Path.Combine(directory, file);
            var (entries, dataStart) = ReadHeader(path);
            foreach (var entry in entries)
            {
                if (owner.Count > 0 && (!owner.TryGetValue(entry.Name, out var listed) || listed != file))
                    throw new ArmlModelFormatException($"{path} holds tensor '{entry.Name}', which {IndexFile} does not place in that file.");
                if (!tensors.TryAdd(entry.Name, (path, dataStart, entry)))
                    throw new ArmlModelFormatException($"Tensor '{entry.Name}' appears in two shards ({tensors[entry.Name].Item1} and {path}).");
            }
        }
        foreach (var (name, file) in owner)
            if (!tensors.ContainsKey(name)) throw new ArmlModelFormatException($"{IndexFile} places tensor '{name}' in {file}, which does not hold it.");
        return new HuggingFaceCheckpoint(tensors);
    }

    /// <summary>Tensor names in the files.</summary>
    internal IEnumerable<string> Names => _tensors.Keys;

    /// <summary>The dtype and shape of a tensor, or null when the files lack it.</summary>
    internal (string DType, long[] Shape)? Describe(string name) =>
        _tensors.TryGetValue(name, out var t) ? (t.Entry.DType, t.Entry.Shape) : null;

    /// <summary>Requires a floating-point tensor of the given shape.</summary>
    /// <exception cref="ArmlModelFormatException">Missing, or of another dtype or shape; the message names the tensor.</exception>
    internal void Require(string name, long[] shape, string what)
    {
        if (!_tensors.TryGetValue(name, out var t))
            throw new ArmlModelFormatException($"The checkpoint lacks tensor '{name}' ({what}, [{string.Join(", ", shape)}]).");
        if (!FloatTypes.Contains(t.Entry.DType))
            throw new ArmlModelFormatException($"Tensor '{name}' is {t.Entry.DType}; ArML reads F32, F16, BF16 and F64 weights.");
        if (!t.Entry.Shape.AsSpan().SequenceEqual(shape))
            throw new ArmlModelFormatException(
                $"Tensor '{name}' has shape [{string.Join(", ", t.Entry.Shape)}], but config.json implies [{string.Join(", ", shape)}] ({what}).");
    }

    /// <summary>
    /// Copies tensor <paramref name="name"/> into <paramref name="target"/> (float32, contiguous, on the CPU): its
    /// first <paramref name="rows"/> rows when given, transposed for Conv1D weights, and with rows reordered by
    /// <paramref name="moveRow"/> (source row moved to the end) when given.
    /// </summary>
    internal void CopyInto(string name, Tensor target, bool transpose = false, long? rows = null, long moveRow = -1)
    {
        var (path, dataStart, entry) = _tensors[name];
        long rowCount = entry.Shape.Length == 0 ? 1 : entry.Shape[0];
        long take = rows ?? rowCount;
        long rowBytes = rowCount == 0 ? 0 : (entry.End - entry.Begin) / rowCount;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        if (entry.DType == "F32" && !transpose)
        {
            // Straight into the parameter's memory: no copy of the tensor is ever held.
            if (moveRow < 0) Stream(stream, dataStart + entry.Begin, take * rowBytes, target, 0, path, name);
            else
            {
                Stream(stream, dataStart + entry.Begin, moveRow * rowBytes, target, 0, path, name);
                Stream(stream, dataStart + entry.Begin + (moveRow + 1) * rowBytes, (take - moveRow - 1) * rowBytes, target, moveRow * rowBytes, path, name);
                Stream(stream, dataStart + entry.Begin + moveRow * rowBytes, rowBytes, target, (take - 1) * rowBytes, path, name);
            }
            return;
        }
        // Other dtypes and Conv1D weights are read into one buffer reused across tensors (fresh memory for each one
        // cost more in page faults than the copies themselves: bench hf), then copy_ converts and transposes.
        var shape = (long[])entry.Shape.Clone();
        if (shape.Length > 0) shape[0] = take;
        var buffer = Staging(ScalarTypeOf(entry.DType), shape.Aggregate(1L, (a, b) => a * b));
        using var scope = NewDisposeScope();
        var raw = buffer.view(shape);
        Stream(stream, dataStart + entry.Begin, take * rowBytes, raw, 0, path, name);
        var value = transpose ? raw.t() : raw;
        if (moveRow < 0) target.copy_(value);
        else
        {
            target.narrow(0, 0, moveRow).copy_(value.narrow(0, 0, moveRow));
            target.narrow(0, moveRow, take - moveRow - 1).copy_(value.narrow(0, moveRow + 1, take - moveRow - 1));
            target.narrow(0, take - 1, 1).copy_(value.narrow(0, moveRow, 1));
        }
    }

    /// <summary>Releases the staging buffer.</summary>
    public void Dispose()
    {
        _staging?.Dispose();
        _staging = null;
    }

    // The first count elements of the staging buffer, grown (or retyped) as needed.
    private Tensor Staging(ScalarType type, long count)
    {
        if (_staging is null || _staging.dtype != type || _staging.NumberOfElements < count)
        {
            _staging?.Dispose();
            _staging = empty(count, type);
            HugePages.Advise(_staging);
        }
        return _staging.narrow(0, 0, count);
    }

    private static ScalarType ScalarTypeOf(string dtype) => dtype switch
    {
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "F64" => ScalarType.Float64,
        _ => ScalarType.Float32,
    };

    // Reads length bytes at offset straight into the CPU tensor's memory from byte destinationOffset on (Tensor.bytes is
    // a view of it, so the file's bytes are copied once).
    private static void Stream(FileStream stream, long offset, long length, Tensor destination, long destinationOffset, string path, string name)
    {
        const int Chunk = 1 << 22;
        stream.Seek(offset, SeekOrigin.Begin);
        for (long done = 0; done < length;)
        {
            int n = (int)Math.Min(Chunk, length - done);
            try { stream.ReadExactly(destination.bytes.Slice(checked((int)(destinationOffset + done)), n)); }
            catch (EndOfStreamException e) { throw new ArmlModelFormatException($"{path} ends inside tensor '{name}'.", e); }
            done += n;
        }
    }

    private static (List<SafeTensorsHeader.Entry> Entries, long DataStart) ReadHeader(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        long length = stream.Length;
        try
        {
            if (length < 8) throw SafeTensorsFormat.Error($"the file is {length} bytes long, shorter than the 8-byte header length field");
            Span<byte> prefix = stackalloc byte[8];
            stream.ReadExactly(prefix);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength == 0 || headerLength > SafeTensorsFormat.MaxHeaderBytes || headerLength > (ulong)(length - 8))
                throw SafeTensorsFormat.Error($"the header declares {headerLength} bytes in a file of {length}");
            var header = new byte[(int)headerLength];
            stream.ReadExactly(header);
            long dataStart = 8 + (long)headerLength;
            // Checks that the tensors tile the data area exactly: a truncated file fails here, before anything is allocated.
            var (entries, _) = SafeTensorsHeader.Parse(header, length - dataStart);
            return (entries, dataStart);
        }
        catch (ArmlModelFormatException e)
        {
            throw new ArmlModelFormatException($"{path}: {e.Message}", e);
        }
    }

    // The index's weight_map: tensor name → shard file name, each shard a plain file name beside the index.
    private static List<string> ReadIndex(string directory, Dictionary<string, string> owner)
    {
        string path = Path.Combine(directory, IndexFile);
        if (new FileInfo(path).Length > SafeTensorsFormat.MaxHeaderBytes) throw new ArmlModelFormatException($"{path} is too large for an index.");
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 8 });
            if (!document.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new ArmlModelFormatException($"{path} has no 'weight_map' object.");
            var files = new List<string>();
            foreach (var item in map.EnumerateObject())
            {
                string file = item.Value.ValueKind == JsonValueKind.String ? item.Value.GetString()! : "";
                if (file.Length == 0 || Path.GetFileName(file) != file || file is "." or ".." || !file.EndsWith(".safetensors", StringComparison.Ordinal))
                    throw new ArmlModelFormatException($"{path} places tensor '{item.Name}' in '{file}', which is not a .safetensors file beside the index.");
                if (!File.Exists(Path.Combine(directory, file)))
                    throw new ArmlModelFormatException($"{path} places tensor '{item.Name}' in {file}, which is missing.");
                owner[item.Name] = file;
                if (!files.Contains(file)) files.Add(file);
            }
            return files;
        }
        catch (JsonException e)
        {
            throw new ArmlModelFormatException($"{path} is not valid JSON: {e.Message}", e);
        }
    }
}
