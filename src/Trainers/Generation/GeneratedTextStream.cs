using System.Text;
using ArML.Text;

namespace ArML.Trainers.Generation;

/// <summary>
/// One sequence's text as it is generated: ids → complete text (<see cref="IncrementalDetokenizer"/>) → text before
/// any stop sequence (<see cref="StopSequenceMatcher"/>). What it emits, concatenated, is the sequence's final text.
/// </summary>
internal sealed class GeneratedTextStream(ITokenCodec codec, IReadOnlyList<string> stops)
{
    private readonly IncrementalDetokenizer _detokenizer = new(codec);
    private readonly StopSequenceMatcher _stops = new(stops);
    private readonly StringBuilder _text = new();

    /// <summary>All text emitted so far.</summary>
    public string Text => _text.ToString();

    /// <summary>Adds a generated id; returns the new text to emit. <paramref name="stopped"/>: a stop sequence was completed.</summary>
    public string Push(int id, out bool stopped)
    {
        stopped = false;
        string piece = _detokenizer.Push(id);
        return piece.Length == 0 ? "" : Emit(_stops.Push(piece, out stopped));
    }

    /// <summary>At the end of generation: whatever was held back, up to a stop sequence it may complete.</summary>
    public string Flush()
    {
        string piece = _stops.Push(_detokenizer.Flush(), out bool stopped);
        return Emit(stopped ? piece : piece + _stops.Flush());
    }

    private string Emit(string piece)
    {
        _text.Append(piece);
        return piece;
    }
}
