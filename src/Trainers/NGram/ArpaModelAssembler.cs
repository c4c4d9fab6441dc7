namespace ArML.Trainers.NGram;

/// <summary>The n-grams of one order as read from an ARPA section: word ids (in file numbering), log10 probability, log10 backoff.</summary>
internal sealed class ArpaSection(int order, int capacity)
{
    public int Order { get; } = order;
    public List<int> Words { get; } = new((int)Math.Min((long)capacity * order, Array.MaxLength));
    public List<float> Log10Probs { get; } = new(capacity);
    public List<float> Log10Backoffs { get; } = new(capacity);
    public int Count => Log10Probs.Count;

    public void Add(ReadOnlySpan<int> words, float log10Prob, float log10Backoff)
    {
        foreach (int w in words) Words.Add(w);
        Log10Probs.Add(log10Prob);
        Log10Backoffs.Add(log10Backoff);
    }

    public ReadOnlySpan<int> NGram(int index) => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(Words).Slice(index * Order, Order);
}

/// <summary>
/// Builds the trie levels of an <see cref="NGramLanguageModel"/> from parsed ARPA sections: renumbers words so that
/// &lt;unk&gt;, &lt;s&gt; and &lt;/s&gt; come first, sorts each order lexicographically (which is exactly trie order), adds
/// missing prefixes as transparent entries, and links each order to its parents.
/// </summary>
internal static class ArpaModelAssembler
{
    /// <exception cref="InvalidDataException">The n-grams are inconsistent; the message names <paramref name="source"/> and the n-gram.</exception>
    public static NGramLanguageModel Assemble(Dictionary<string, int> fileIds, List<ArpaSection> sections, string source)
    {
        foreach (string required in new[] { ArpaWords.SentenceStart, ArpaWords.SentenceEnd })
            if (!fileIds.ContainsKey(required)) throw new InvalidDataException($"{source}: the ARPA model has no unigram {required}.");
        bool hasUnknown = fileIds.ContainsKey(ArpaWords.Unknown);
        var words = new List<string> { ArpaWords.Unknown, ArpaWords.SentenceStart, ArpaWords.SentenceEnd };
        var newId = new int[fileIds.Count];
        foreach (var (word, id) in fileIds.OrderBy(p => p.Value))
        {
            int special = words.IndexOf(word);
            newId[id] = special >= 0 && special < 3 ? special : words.Count;
            if (newId[id] == words.Count) words.Add(word);
        }
        foreach (var section in sections)
        {
            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(section.Words);
            for (int i = 0; i < span.Length; i++) span[i] = newId[span[i]];
        }

        int order = sections.Count;
        var orders = new int[order + 1][];     // lexicographically sorted entry indices per order
        for (int k = order; k >= 2; k--)
        {
            orders[k] = SortedIndices(sections[k - 1], words, source);
            if (k >= 3) AddMissingPrefixes(sections[k - 1], orders[k], sections[k - 2], words, source);
        }

        var levels = new List<NGramLevel> { Unigrams(sections[0], words.Count, hasUnknown, order) };
        for (int k = 2; k <= order; k++)
            levels.Add(LinkOrder(levels, sections[k - 2], orders[k - 1], sections[k - 1], orders[k], k == order, words, source));
        return new NGramLanguageModel(words.ToArray(), levels.ToArray());
    }

    private static NGramLevel Unigrams(ArpaSection section, int vocabulary, bool hasUnknown, int order)
    {
        var probs = new float[vocabulary];
        var backoffs = order > 1 ? new float[vocabulary] : null;
        for (int i = 0; i < section.Count; i++)
        {
            int w = section.NGram(i)[0];
            probs[w] = section.Log10Probs[i];
            if (backoffs != null) backoffs[w] = section.Log10Backoffs[i];
        }
        if (!hasUnknown) probs[NGramLanguageModel.UnknownWordId] = ArpaReader.MissingUnknownLog10Probability;
        probs[NGramLanguageModel.SentenceStartId] = float.NegativeInfinity;   // context only, whatever the file says
        return new NGramLevel(null, probs, backoffs, null);
    }

    /// <summary>Sorts a section's entries lexicographically by word ids and rejects repeats.</summary>
    private static int[] SortedIndices(ArpaSection section, List<string> words, string source)
    {
        var indices = Enumerable.Range(0, section.Count).ToArray();
        Array.Sort(indices, (a, b) => section.NGram(a).SequenceCompareTo(section.NGram(b)));
        for (int i = 1; i < indices.Length; i++)
            if (section.NGram(indices[i]).SequenceEqual(section.NGram(indices[i - 1])))
                throw new InvalidDataException($"{source}: the {section.Order}-gram '{Spell(section.NGram(indices[i]), words)}' appears twice.");
        return indices;
    }

    /// <summary>Appends to <paramref name="lower"/> every prefix of <paramref name="upper"/>'s n-grams it lacks, with a NaN probability to fill in later.</summary>
    private static void AddMissingPrefixes(ArpaSection upper, int[] upperSorted, ArpaSection lower, List<string> words, string source)
    {
        var lowerSorted = SortedIndices(lower, words, source);
        int p = 0;
        int[]? lastAdded = null;
        foreach (int index in upperSorted)
        {
            var prefix = upper.NGram(index)[..^1];
            while (p < lowerSorted.Length && lower.NGram(lowerSorted[p]).SequenceCompareTo(prefix) < 0) p++;
            if (p < lowerSorted.Length && lower.NGram(lowerSorted[p]).SequenceEqual(prefix)) continue;
            if (lastAdded != null && prefix.SequenceEqual(lastAdded)) continue;
            lower.Add(prefix, float.NaN, 0f);
            lastAdded = prefix.ToArray();
        }
    }

    /// <summary>Builds order k's level and the child ranges of order k − 1 (the last level in <paramref name="levels"/>).</summary>
    private static NGramLevel LinkOrder(List<NGramLevel> levels, ArpaSection parents, int[]? parentOrder, ArpaSection section, int[] sorted, bool highest,
        List<string> vocabulary, string source)
    {
        int parentCount = levels[^1].Count;
        var children = new int[parentCount + 1];
        var words = new int[sorted.Length];
        var probs = new float[sorted.Length];
        var backoffs = highest ? null : new float[sorted.Length];
        int parent = 0;
        for (int node = 0; node < sorted.Length; node++)
        {
            var ngram = section.NGram(sorted[node]);
            var prefix = ngram[..^1];
            // Parents are in lexicographic order too, so the parent of each n-gram in turn is found by walking forward.
            while (parent < parentCount && Compare(parents, parentOrder, parent, prefix) < 0) parent++;
            if (parent == parentCount || Compare(parents, parentOrder, parent, prefix) != 0)
                throw new InvalidOperationException("Internal error: an ARPA n-gram lost its prefix.");
            children[parent + 1]++;
            words[node] = ngram[^1];
            probs[node] = section.Log10Probs[sorted[node]];
            if (backoffs != null) backoffs[node] = section.Log10Backoffs[sorted[node]];
        }
        for (int p = 0; p < parentCount; p++) children[p + 1] += children[p];
        levels[^1] = levels[^1] with { Children = children };
        var level = new NGramLevel(words, probs, backoffs, null);
        var withLevel = new List<NGramLevel>(levels) { level };
        for (int node = 0; node < sorted.Length; node++)
            if (float.IsNaN(probs[node])) probs[node] = Transparent(BackedOff(withLevel, section.NGram(sorted[node])), section.NGram(sorted[node]), vocabulary, source);
        return level;
    }

    // A missing prefix's probability is the backed-off one the file defines; backoffs that push it above 1 are an
    // error of the file, except for float rounding of a probability of 1 (a sum of two stored values).
    private static float Transparent(float log10Prob, ReadOnlySpan<int> ngram, List<string> words, string source)
    {
        if (log10Prob <= 0) return log10Prob;
        if (log10Prob <= 1e-6f) return 0f;
        throw new InvalidDataException(
            $"{source}: the backoff weights give the {ngram.Length}-gram '{Spell(ngram, words)}' (missing from the file, implied by a longer one) a log10 probability of {log10Prob}, above 0.");
    }

    private static string Spell(ReadOnlySpan<int> ngram, List<string> words)
    {
        var spelled = new string[ngram.Length];
        for (int i = 0; i < ngram.Length; i++) spelled[i] = words[ngram[i]];
        return string.Join(' ', spelled);
    }

    private static int Compare(ArpaSection parents, int[]? parentOrder, int parentNode, ReadOnlySpan<int> prefix) =>
        parentOrder is null ? parentNode.CompareTo(prefix[0]) : parents.NGram(parentOrder[parentNode]).SequenceCompareTo(prefix);

    /// <summary>log10 p of the last word of an n-gram that is not stored: backoff(prefix) + log10 p(last word | shorter context).</summary>
    private static float BackedOff(List<NGramLevel> levels, ReadOnlySpan<int> ngram)
    {
        int prefixNode = NGramTrie.Find(levels, ngram[..^1]);
        float backoff = prefixNode >= 0 ? levels[ngram.Length - 2].Backoffs![prefixNode] : 0f;
        return backoff + Stored(levels, ngram[1..]);
    }

    private static float Stored(List<NGramLevel> levels, ReadOnlySpan<int> ngram)
    {
        int node = NGramTrie.Find(levels, ngram);
        if (node >= 0 && !float.IsNaN(levels[ngram.Length - 1].LogProbs[node])) return levels[ngram.Length - 1].LogProbs[node];
        return ngram.Length == 1 ? levels[0].LogProbs[ngram[0]] : BackedOff(levels, ngram);
    }
}
