namespace ArML.Trainers.NGram;

/// <summary>
/// Decides whether a trie is suffix-closed: every stored n-gram w₁…wₖ has its suffix w₂…wₖ stored too. Models
/// estimated from counts are (every counted n-gram's suffix ended at the same position), and so are lmplz's; an ARPA
/// file written by hand, or pruned per order with thresholds that fall as the order rises, may not be.
/// </summary>
internal static class NGramSuffixClosure
{
    /// <summary>One child search per n-gram: the suffix of (parent, w) is (suffix of parent, w).</summary>
    public static bool Holds(NGramLevel[] levels)
    {
        // suffix[node] at level k: the node of that k-gram's suffix at level k − 1 (order 2: the word itself).
        int[]? suffix = null;
        for (int k = 2; k <= levels.Length; k++)
        {
            var parents = levels[k - 2];
            var words = levels[k - 1].Words!;
            var ranges = parents.Children!;
            var next = new int[levels[k - 1].Count];
            for (int parent = 0; parent < parents.Count; parent++)
            {
                for (int child = ranges[parent]; child < ranges[parent + 1]; child++)
                {
                    if (k == 2)
                    {
                        next[child] = words[child];
                        continue;
                    }
                    int shorter = NGramTrie.FindChild(levels[k - 3].Children!, levels[k - 2].Words!, suffix![parent], words[child]);
                    if (shorter < 0) return false;
                    next[child] = shorter;
                }
            }
            suffix = next;
        }
        return true;
    }
}
