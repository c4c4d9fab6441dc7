using ArML.Text;

namespace ArML.Trainers.Generation;

/// <summary>
/// Turns generated ids into text as they arrive, emitting only complete text: with byte-level tokenizers one token can
/// end inside a character, which decodes to U+FFFD (or a lone high surrogate) until the next tokens complete it.
/// </summary>
/// <remarks>
/// Decoding a token alone can differ from decoding it in context (tokenizers that merge spaces or bytes across
/// tokens), so each step decodes the last emitted piece's tokens together with the new ones and emits the difference.
/// That costs a few tokens per step, not the whole sequence.
/// </remarks>
internal sealed class IncrementalDetokenizer(ITokenCodec codec)
{
    private readonly List<int> _ids = [];
    private int _prefixStart;
    private int _readStart;
    private string _prefixText = "";

    /// <summary>Adds <paramref name="id"/>; returns the text it completes (possibly empty).</summary>
    public string Push(int id)
    {
        _ids.Add(id);
        string text = Decode(_prefixStart, _ids.Count);
        if (text.Length <= _prefixText.Length || EndsIncomplete(text)) return "";
        string piece = text[_prefixText.Length..];
        _prefixStart = _readStart;
        _readStart = _ids.Count;
        _prefixText = Decode(_prefixStart, _readStart);
        return piece;
    }

    /// <summary>The text still held back (an incomplete character at the end of generation decodes as it is).</summary>
    public string Flush()
    {
        string text = Decode(_prefixStart, _ids.Count);
        string piece = text.Length > _prefixText.Length ? text[_prefixText.Length..] : "";
        _prefixStart = _readStart = _ids.Count;
        _prefixText = "";
        return piece;
    }

    private string Decode(int start, int end) => start == end ? "" : codec.Decode(_ids.GetRange(start, end - start).ToArray());

    private static bool EndsIncomplete(string text) => text[^1] == '\uFFFD' || char.IsHighSurrogate(text[^1]);
}
