namespace ArML.Trainers.NGram;

/// <summary>
/// The n-grams of one order as a level of a forward trie: node i holds the last word of its n-gram, its log10
/// probability and (below the highest order) its log10 backoff weight and the range of its children — the n-grams
/// one word longer that extend it — in the next level: [Children[i], Children[i + 1]). Children of a node are
/// sorted by word, so a lookup is a binary search in a short range.
/// </summary>
/// <param name="Words">Last word of each node's n-gram; null for order 1, where node i is word i.</param>
/// <param name="LogProbs">log10 p(last word | the words before it); −∞ for a word never predicted (&lt;s&gt;).</param>
/// <param name="Backoffs">log10 backoff weight of each node as a context; null at the highest order.</param>
/// <param name="Children">Child ranges, one more element than nodes; null at the highest order.</param>
internal sealed record NGramLevel(int[]? Words, float[] LogProbs, float[]? Backoffs, int[]? Children)
{
    /// <summary>Nodes in this level.</summary>
    public int Count => LogProbs.Length;
}

/// <summary>Trie navigation shared by the model and by readers that assemble levels.</summary>
internal static class NGramTrie
{
    // Up to 128 children (512 bytes) a vector scan beats a binary search's unpredictable branches: character models'
    // first levels have ~65 (the two alternating pass by pass in one process, 128 over 32: order 3 +12%, lines order 8
    // +10%, order 10 +3%; 64 gained as much at order 3).
    private const int ShortRange = 128;

    /// <summary>The child of <paramref name="node"/> (in <paramref name="parents"/>) whose word is <paramref name="word"/>, or −1.</summary>
    public static int FindChild(NGramLevel parents, NGramLevel children, int node, int word) =>
        FindChild(parents.Children!, children.Words!, node, word);

    /// <summary>The index in <paramref name="words"/> of <paramref name="word"/> within node's child range [ranges[node], ranges[node + 1]), or −1.</summary>
    public static int FindChild(int[] ranges, int[] words, int node, int word) =>
        IndexIn(words, ranges[node], ranges[node + 1] - ranges[node], word);

    /// <summary>The index of <paramref name="word"/> in the sorted range words[start..start + length), or −1.</summary>
    public static int IndexIn(int[] words, int start, int length, int word)
    {
        // A short range is scanned with vector compares: no unpredictable branches, and a few adjacent cache lines.
        if (length < ShortRange)
        {
            int at = words.AsSpan(start, length).IndexOf(word);
            return at < 0 ? -1 : start + at;
        }
        int lo = start, hi = start + length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int w = words[mid];
            if (w == word) return mid;
            if (w < word) lo = mid + 1;
            else hi = mid - 1;
        }
        return -1;
    }

    /// <summary>The node of <paramref name="ngram"/> at level ngram.Length, or −1 (levels up to that length must be linked).</summary>
    public static int Find(IReadOnlyList<NGramLevel> levels, ReadOnlySpan<int> ngram)
    {
        if (ngram.Length == 0 || ngram.Length > levels.Count) return -1;
        int node = ngram[0];
        for (int m = 1; m < ngram.Length && node >= 0; m++) node = FindChild(levels[m - 1], levels[m], node, ngram[m]);
        return node;
    }
}
