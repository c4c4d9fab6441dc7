namespace ArML.Trainers.NGram;

/// <summary>
/// Checks every structural invariant the scorer relies on, so that a model read from a file (ARPA or a saved
/// model) can never index out of range or search an unsorted range.
/// </summary>
internal static class NGramModelValidation
{
    /// <exception cref="InvalidDataException">The words or levels are inconsistent; the message says where.</exception>
    public static void Check(string[] words, NGramLevel[] levels)
    {
        if (words.Length < 3 || words[NGramLanguageModel.UnknownWordId] != ArpaWords.Unknown
            || words[NGramLanguageModel.SentenceStartId] != ArpaWords.SentenceStart || words[NGramLanguageModel.SentenceEndId] != ArpaWords.SentenceEnd)
            throw new InvalidDataException("The vocabulary must start with <unk>, <s> and </s>.");
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        foreach (string word in words)
        {
            if (string.IsNullOrEmpty(word) || word.Any(char.IsWhiteSpace))
                throw new InvalidDataException($"The vocabulary holds an empty word or one with white space ('{word}').");
            if (!distinct.Add(word)) throw new InvalidDataException($"The vocabulary holds '{word}' twice.");
        }
        if (levels.Length < 1) throw new InvalidDataException("The model has no n-grams.");
        for (int k = 1; k <= levels.Length; k++)
        {
            var level = levels[k - 1];
            bool highest = k == levels.Length;
            int count = level.LogProbs.Length;
            if (k == 1 && (level.Words != null || count != words.Length))
                throw new InvalidDataException($"Order 1 must have one entry per word ({words.Length}), but has {count}.");
            if (k > 1 && (level.Words is null || level.Words.Length != count))
                throw new InvalidDataException($"Order {k} has {level.Words?.Length ?? 0} words for {count} probabilities.");
            if (highest != (level.Backoffs is null) || highest != (level.Children is null))
                throw new InvalidDataException($"Order {k} must {(highest ? "not " : "")}have backoffs and children.");
            // log10 probabilities are at most 0 (−∞ is a probability of 0, e.g. <s>'s); backoffs are finite.
            for (int i = 0; i < count; i++)
                if (!(level.LogProbs[i] <= 0))
                    throw new InvalidDataException($"Order {k} holds a log10 probability of {level.LogProbs[i]} (tensor '{k}.logprob', entry {i}); log10 probabilities are at most 0.");
            if (highest) continue;
            if (level.Backoffs!.Length != count) throw new InvalidDataException($"Order {k} has {level.Backoffs.Length} backoffs for {count} n-grams.");
            for (int i = 0; i < count; i++)
                if (!float.IsFinite(level.Backoffs[i]))
                    throw new InvalidDataException($"Order {k} holds a backoff of {level.Backoffs[i]} (tensor '{k}.backoff', entry {i}); backoffs are finite.");
            CheckChildren(k, level.Children!, count, levels[k].Words!, words.Length);
        }
    }

    private static void CheckChildren(int order, int[] children, int count, int[] childWords, int vocabulary)
    {
        if (children.Length != count + 1 || children[0] != 0 || children[count] != childWords.Length)
            throw new InvalidDataException($"The child ranges of order {order} do not cover order {order + 1} exactly.");
        for (int node = 0; node < count; node++)
        {
            int begin = children[node], end = children[node + 1];
            if (end < begin) throw new InvalidDataException($"The child ranges of order {order} decrease at n-gram {node}.");
            for (int i = begin; i < end; i++)
            {
                int w = childWords[i];
                if ((uint)w >= (uint)vocabulary) throw new InvalidDataException($"Order {order + 1} holds word id {w}, outside 0..{vocabulary - 1}.");
                if (i > begin && w <= childWords[i - 1])
                    throw new InvalidDataException($"The extensions of order-{order} n-gram {node} are not sorted by word or repeat one.");
            }
        }
    }
}
