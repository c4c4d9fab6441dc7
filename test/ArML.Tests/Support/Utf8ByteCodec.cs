using System.Text;
using ArML.Text;

namespace ArML.Tests.Support;

/// <summary>A byte-level codec (one token per UTF-8 byte), as byte-level BPE tokenizers have: a token can end inside a character.</summary>
public sealed class Utf8ByteCodec : ITokenCodec
{
    public int VocabularySize => 256;
    public string GetToken(int id) => ((byte)id).ToString("X2");
    public void Encode(ReadOnlySpan<char> text, List<int> ids) => ids.AddRange(Encoding.UTF8.GetBytes(text.ToString()).Select(b => (int)b));
    public string Decode(ReadOnlySpan<int> ids) => Encoding.UTF8.GetString(ids.ToArray().Select(i => (byte)i).ToArray());
}
