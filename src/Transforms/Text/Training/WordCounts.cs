using System.Runtime.InteropServices;
using ArML.Transforms.Text.Encodings;

namespace ArML.Transforms.Text.Training;

/// <summary>Counts the distinct pieces a pre-tokenizer splits rows into, without allocating for pieces seen before.</summary>
internal sealed class WordCounts(CodePointPreTokenizer preTokenizer)
{
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly List<(int Offset, int Length)> _pieces = [];

    public IReadOnlyDictionary<string, int> Counts => _counts;

    public long Rows { get; private set; }

    public void Add(ReadOnlySpan<char> text)
    {
        Rows++;
        _pieces.Clear();
        preTokenizer.Split(text, _pieces);
        var lookup = _counts.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var (offset, length) in _pieces)
            CollectionsMarshal.GetValueRefOrAddDefault(lookup, text.Slice(offset, length), out _)++;
    }
}
