namespace ArML.Trainers.Generation;

/// <summary>
/// Finds stop sequences in streamed text. Text that could still turn out to be the start of a stop sequence is held
/// back, so nothing of a stop sequence is ever emitted, however the tokens split it.
/// </summary>
internal sealed class StopSequenceMatcher(IReadOnlyList<string> stops)
{
    private readonly int _longest = stops.Count == 0 ? 0 : stops.Max(s => s.Length);
    private string _held = "";

    /// <summary>
    /// Adds <paramref name="piece"/>; returns the text safe to emit. <paramref name="stopped"/> tells that a stop
    /// sequence was found: the returned text ends just before it, and nothing more should be generated.
    /// </summary>
    public string Push(string piece, out bool stopped)
    {
        stopped = false;
        if (_longest == 0) return piece;
        string text = _held + piece;
        int at = FindEarliest(text, stops);
        if (at >= 0)
        {
            stopped = true;
            _held = "";
            return text[..at];
        }
        int hold = LongestSuffixStartingAStop(text);
        _held = text[^hold..];
        return text[..^hold];
    }

    /// <summary>The held text, at the end of generation (it never became a stop sequence).</summary>
    public string Flush()
    {
        string held = _held;
        _held = "";
        return held;
    }

    /// <summary>Index of the earliest occurrence of any of <paramref name="stops"/> in <paramref name="text"/>, or −1.</summary>
    public static int FindEarliest(string text, IReadOnlyList<string> stops)
    {
        int earliest = -1;
        foreach (string stop in stops)
        {
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (earliest < 0 || at < earliest)) earliest = at;
        }
        return earliest;
    }

    private int LongestSuffixStartingAStop(string text)
    {
        for (int length = Math.Min(text.Length, _longest - 1); length > 0; length--)
        {
            var suffix = text.AsSpan(text.Length - length);
            foreach (string stop in stops)
                if (stop.AsSpan().StartsWith(suffix, StringComparison.Ordinal)) return length;
        }
        return 0;
    }
}
