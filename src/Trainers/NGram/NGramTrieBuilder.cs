namespace ArML.Trainers.NGram;

/// <summary>
/// Lays out estimated n-grams as the levels of an <see cref="NGramLanguageModel"/>: drops absent words and pruned
/// n-grams, renumbers words densely (keeping their order), and groups each order by parent node with children
/// sorted by word. Grouping is a counting sort by parent, so building is linear apart from sorting sibling words.
/// </summary>
internal static class NGramTrieBuilder
{
    /// <param name="counts">The counter (its keys give each n-gram's prefix id and last word).</param>
    /// <param name="estimate">Estimated orders, indexed by counter id (index 0 unused); consumed: orders 2.. are cleared as they are laid out, and the counter's tables released.</param>
    /// <param name="present">Which counting word ids belong to the vocabulary.</param>
    /// <param name="countingWords">ARPA spelling of each counting word id.</param>
    public static NGramLanguageModel Build(NGramCounter counts, EstimatedOrder[] estimate, bool[] present, string[] countingWords)
    {
        int order = counts.Order;
        var wordId = new int[counts.VocabularySize];
        var words = new List<string>();
        for (int w = 0; w < wordId.Length; w++)
        {
            wordId[w] = present[w] ? words.Count : -1;
            if (present[w]) words.Add(countingWords[w]);
        }
        int vocabulary = words.Count;
        var levels = new NGramLevel[order];

        var unigramProbs = new float[vocabulary];
        var unigramBackoffs = order > 1 ? new float[vocabulary] : null;
        for (int w = 0; w < wordId.Length; w++)
        {
            if (wordId[w] < 0) continue;
            unigramProbs[wordId[w]] = estimate[1].Log10Probabilities[w];
            if (unigramBackoffs != null) unigramBackoffs[wordId[w]] = estimate[1].Log10Backoffs![w];
        }
        levels[0] = new NGramLevel(null, unigramProbs, unigramBackoffs, null);
        int[] nodeOfPrevious = wordId;    // counter id of order k − 1 → its node, or −1

        for (int k = 2; k <= order; k++)
        {
            var keys = counts.Table(k).Keys;
            var kept = estimate[k].Kept;
            int entries = counts.Table(k).Count;
            int parentCount = levels[k - 2].Count;

            var children = new int[parentCount + 1];
            for (int x = 0; x < entries; x++)
                if (kept is null || kept[x]) children[nodeOfPrevious[NGramCountTable.PrefixOf(keys[x])] + 1]++;
            for (int p = 0; p < parentCount; p++) children[p + 1] += children[p];
            int size = children[parentCount];

            var childWords = new int[size];
            var entryAt = new int[size];
            var fill = children[..parentCount];
            for (int x = 0; x < entries; x++)
            {
                if (kept != null && !kept[x]) continue;
                int slot = fill[nodeOfPrevious[NGramCountTable.PrefixOf(keys[x])]]++;
                childWords[slot] = wordId[NGramCountTable.WordOf(keys[x])];
                entryAt[slot] = x;
            }
            for (int p = 0; p < parentCount; p++)
            {
                int begin = children[p], length = children[p + 1] - begin;
                if (length > 1) childWords.AsSpan(begin, length).Sort(entryAt.AsSpan(begin, length));
            }

            var probs = new float[size];
            var backoffs = k < order ? new float[size] : null;
            var nodeOf = new int[entries];
            Array.Fill(nodeOf, -1);
            for (int node = 0; node < size; node++)
            {
                int x = entryAt[node];
                nodeOf[x] = node;
                probs[node] = estimate[k].Log10Probabilities[x];
                if (backoffs != null) backoffs[node] = estimate[k].Log10Backoffs![x];
            }
            levels[k - 2] = levels[k - 2] with { Children = children };
            levels[k - 1] = new NGramLevel(childWords, probs, backoffs, null);
            nodeOfPrevious = nodeOf;
            // Order k is laid out: its counts and estimate are spent, and freeing them keeps the build's peak memory down.
            counts.Table(k).Release();
            estimate[k] = null!;
            NGramMemory.Reclaim();
        }
        return new NGramLanguageModel(words.ToArray(), levels);
    }
}
