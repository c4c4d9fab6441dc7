namespace ArML.Trainers.Generation;

/// <summary>The no-repeat n-gram rule: bans every token that would complete an n-gram already in the row.</summary>
internal static class RepeatedNGrams
{
    /// <summary>
    /// Sets to −∞ the score of each token t such that (the last n−1 tokens of <paramref name="row"/>, t) already occurs
    /// in <paramref name="row"/>. With n = 1 every token already in the row is banned.
    /// </summary>
    public static void Ban(IReadOnlyList<int> row, int n, Span<double> scores)
    {
        int prefixStart = row.Count - (n - 1);
        if (prefixStart < 0) return;
        for (int i = 0; i + n <= row.Count; i++)
        {
            bool same = true;
            for (int j = 0; j < n - 1 && same; j++) same = row[i + j] == row[prefixStart + j];
            if (same) scores[row[i + n - 1]] = double.NegativeInfinity;
        }
    }
}
