namespace ArML.Trainers.Gpt;

/// <summary>
/// One forward pass over part of a framed row: inputs at positions Begin .. Begin+Length−1, predicting the next
/// position each; only predictions from index FirstScored on count (earlier ones are context or were scored by a
/// previous window).
/// </summary>
internal readonly record struct ScoringWindow(int Row, int Begin, int Length, int FirstScored)
{
    /// <summary>
    /// Covers targets <paramref name="firstTarget"/>..sequenceLength−1 of a framed row with windows of at most
    /// <paramref name="context"/> inputs advancing by <paramref name="stride"/>: each target scored exactly once,
    /// after the first window with at least context − stride tokens of left context.
    /// </summary>
    public static void Plan(int row, int sequenceLength, int firstTarget, int context, int stride, List<ScoringWindow> windows) =>
        windows.AddRange(Enumerate(row, sequenceLength, firstTarget, context, stride));

    /// <summary>
    /// The windows of <see cref="Plan"/>, produced one at a time: a long row at stride 1 has as many windows as
    /// tokens, so scoring never holds them all.
    /// </summary>
    public static IEnumerable<ScoringWindow> Enumerate(int row, int sequenceLength, int firstTarget, int context, int stride)
    {
        int lastTarget = sequenceLength - 1;
        int scoredUpTo = firstTarget - 1;
        for (int begin = 0; ; begin += stride)
        {
            int end = Math.Min(begin + context, lastTarget);     // this window predicts targets begin+1 .. end
            if (end > scoredUpTo)
            {
                yield return new ScoringWindow(row, begin, end - begin, Math.Max(0, scoredUpTo - begin));
                scoredUpTo = end;
            }
            if (end == lastTarget) break;
        }
    }
}
