using System.Text;

namespace ArML.Transforms.Text.Encodings;

/// <summary>
/// GPT-2's reversible mapping of the 256 byte values to printable characters, used by byte-level BPE files
/// (vocab.json, merges.txt) and as the display strings of byte-level tokens: a token's key value is its bytes
/// written in this alphabet, so every token has a unique, printable name ("Ġthe" for " the").
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] CharOfByte = BuildCharOfByte();
    private static readonly Dictionary<char, byte> ByteOfChar = Enumerable.Range(0, 256).ToDictionary(b => CharOfByte[b], b => (byte)b);

    /// <summary>The 256 alphabet characters in byte order.</summary>
    public static IReadOnlyList<char> Characters => CharOfByte;

    /// <summary>The alphabet string of <paramref name="bytes"/>.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = CharOfByte[bytes[i]];
        return new string(chars);
    }

    /// <summary>The bytes of an alphabet string, or null when it holds a character outside the alphabet.</summary>
    public static byte[]? TryDecode(string token)
    {
        var bytes = new byte[token.Length];
        for (int i = 0; i < token.Length; i++)
        {
            if (!ByteOfChar.TryGetValue(token[i], out bytes[i])) return null;
        }
        return bytes;
    }

    /// <summary>UTF-8 bytes of <paramref name="text"/> (unpaired surrogates become U+FFFD, as any UTF-8 encoder does).</summary>
    public static byte[] Utf8(ReadOnlySpan<char> text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text)];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }

    /// <summary>
    /// The alphabet string of <paramref name="text"/>'s bytes as Microsoft.ML.Tokenizers' byte-level BPE writes them:
    /// UTF-8, except that an unpaired surrogate becomes the three-byte form of its own code unit (generalized UTF-8)
    /// instead of U+FFFD.
    /// </summary>
    public static string EncodeGeneralizedUtf8(ReadOnlySpan<char> text)
    {
        var chars = new char[text.Length * 3];
        int n = 0;
        for (int i = 0; i < text.Length; i++)
        {
            uint c = text[i];
            if (c < 0x80) chars[n++] = CharOfByte[c];
            else if (c < 0x800)
            {
                chars[n++] = CharOfByte[0xC0 | (c >> 6)];
                chars[n++] = CharOfByte[0x80 | (c & 0x3F)];
            }
            else if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                uint scalar = (uint)char.ConvertToUtf32(text[i], text[++i]);
                chars[n++] = CharOfByte[0xF0 | (scalar >> 18)];
                chars[n++] = CharOfByte[0x80 | ((scalar >> 12) & 0x3F)];
                chars[n++] = CharOfByte[0x80 | ((scalar >> 6) & 0x3F)];
                chars[n++] = CharOfByte[0x80 | (scalar & 0x3F)];
            }
            else
            {
                chars[n++] = CharOfByte[0xE0 | (c >> 12)];
                chars[n++] = CharOfByte[0x80 | ((c >> 6) & 0x3F)];
                chars[n++] = CharOfByte[0x80 | (c & 0x3F)];
            }
        }
        return new string(chars, 0, n);
    }

    private static char[] BuildCharOfByte()
    {
        // Printable Latin-1 bytes stand for themselves; the others (controls, space, soft hyphen...) are moved, in
        // byte order, to U+0100 and up, so no alphabet character is whitespace or a control.
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }
}
