namespace ArML.Trainers.Gpt;

/// <summary>
/// One forward pass over part of a framed row: inputs at positions Begin .. Begin+Length−1, predicting the next
/// position each; only predictions from index FirstScored on count (earlier ones were scored by a previous window).
/// </summary>
internal readonly record struct ScoringWindow(int Row, int SequenceLength, int Begin, int Length, int FirstScored)
{
    /// <summary>
    /// Covers targets 1..sequenceLength−1 of a framed row with windows of at most <paramref name="context"/>
    /// inputs advancing by <paramref name="stride"/>, each target scored exactly once.
    /// </summary>
    public static void Plan(int row, int sequenceLength, int context, int stride, List<ScoringWindow> windows)
    {
        int lastTarget = sequenceLength - 1;
        int scoredUpTo = 0;
        for (int begin = 0; ; begin += stride)
        {
            int end = Math.Min(begin + context, lastTarget);     // targets begin+1 .. end
            windows.Add(new ScoringWindow(row, sequenceLength, begin, end - begin, scoredUpTo - begin));
            scoredUpTo = end;
            if (end == lastTarget) break;
        }
    }
}
