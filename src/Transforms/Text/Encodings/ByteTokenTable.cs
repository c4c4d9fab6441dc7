using System.Text;

namespace ArML.Transforms.Text.Encodings;

/// <summary>
/// The bytes of each id of a byte-level vocabulary, its special tokens, and the decoding and display strings that
/// follow from them. Ids with neither bytes nor a special token (gaps in an encoding's numbering) display as
/// "&lt;|unused:ID|&gt;" and decode to U+FFFD.
/// </summary>
internal sealed class ByteTokenTable
{
    private readonly byte[]?[] _bytes;
    private readonly string?[] _special;
    private string[]? _display;

    public ByteTokenTable(byte[]?[] bytesById, IReadOnlyDictionary<string, int> specialTokens)
    {
        int size = bytesById.Length;
        foreach (int id in specialTokens.Values) size = Math.Max(size, id + 1);
        _bytes = new byte[size][];
        Array.Copy(bytesById, _bytes, bytesById.Length);
        _special = new string?[size];
        foreach (var (token, id) in specialTokens)
        {
            if (id < 0) throw new ArgumentException($"Special token '{token}' has the negative id {id}.", nameof(specialTokens));
            if (_bytes[id] != null || _special[id] != null)
                throw new ArgumentException($"Special token '{token}' has id {id}, which another token already has.", nameof(specialTokens));
            _special[id] = token;
        }
    }

    public int Count => _bytes.Length;

    public string GetToken(int id)
    {
        var display = _display ??= BuildDisplay();
        return display[id];
    }

    /// <summary>The bytes of regular token <paramref name="id"/>, or null for specials and gaps.</summary>
    public byte[]? BytesOf(int id) => _bytes[id];

    public string Decode(ReadOnlySpan<int> ids)
    {
        var text = new StringBuilder();
        var pending = new List<byte>();
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_bytes.Length) throw new ArgumentOutOfRangeException(nameof(ids), $"Token id {id} is outside the vocabulary of {_bytes.Length}.");
            if (_bytes[id] is byte[] bytes)
            {
                pending.AddRange(bytes);
                continue;
            }
            Flush(pending, text);
            text.Append(_special[id] ?? "\uFFFD");
        }
        Flush(pending, text);
        return text.ToString();
    }

    private static void Flush(List<byte> pending, StringBuilder text)
    {
        if (pending.Count == 0) return;
        // Invalid UTF-8 (a multi-byte character cut between rows of ids) decodes to U+FFFD, never throws.
        text.Append(Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pending)));
        pending.Clear();
    }

    private string[] BuildDisplay()
    {
        var display = new string[_bytes.Length];
        for (int id = 0; id < display.Length; id++)
            display[id] = _bytes[id] is byte[] bytes ? ByteLevelAlphabet.Encode(bytes) : _special[id] ?? $"<|unused:{id}|>";
        return display;
    }
}
