namespace ArML.Trainers.NGram;

/// <summary>
/// Draws a continuation from an n-gram model. The context is the model's own state (the trie nodes of the last
/// Order − 1 words), moved forward one word per step, so nothing is recomputed from the prompt.
/// </summary>
internal static class NGramSampler
{
    /// <param name="model">The model.</param>
    /// <param name="wordToKey">Token id (key − 1) of each model word, or −1 for words no key spells.</param>
    /// <param name="keyToWord">Model word of each token id.</param>
    /// <param name="prompt">Token ids the continuation follows (the sentence starts before them).</param>
    /// <param name="maxNewTokens">Most tokens drawn.</param>
    /// <param name="temperature">0 for greedy, otherwise probabilities are raised to 1/temperature.</param>
    /// <param name="seed">Random seed.</param>
    /// <returns>The drawn token ids; drawing &lt;/s&gt; ends the continuation and is not included.</returns>
    /// <remarks>
    /// Candidates are the words some key spells, plus &lt;/s&gt;, renormalized; &lt;unk&gt; is never drawn (a model does not
    /// choose to emit "unknown").
    /// </remarks>
    public static int[] Sample(NGramLanguageModel model, int[] wordToKey, int[] keyToWord, IReadOnlyList<int> prompt, int maxNewTokens,
        double temperature, int seed)
    {
        if (temperature < 0 || double.IsNaN(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), "Temperature must be ≥ 0.");
        ArgumentOutOfRangeException.ThrowIfNegative(maxNewTokens);
        var state = new int[Math.Max(0, model.Order - 1)];
        model.StartSentence(state);
        foreach (int id in prompt)
        {
            if ((uint)id >= (uint)keyToWord.Length)
                throw new ArgumentOutOfRangeException(nameof(prompt), $"Token id {id} is outside the vocabulary (0..{keyToWord.Length - 1}).");
            model.Advance(state, keyToWord[id]);
        }
        var random = new Random(seed);
        var log10 = new double[model.VocabularySize];
        var weights = new double[model.VocabularySize];
        var generated = new List<int>();
        for (int step = 0; step < maxNewTokens; step++)
        {
            model.NextWordLog10Probabilities(state, log10);
            int next = Draw(log10, weights, wordToKey, temperature, random);
            if (next == NGramLanguageModel.SentenceEndId) break;
            generated.Add(wordToKey[next]);
            model.Advance(state, next);
        }
        return generated.ToArray();
    }

    private static int Draw(double[] log10, double[] weights, int[] wordToKey, double temperature, Random random)
    {
        double max = double.NegativeInfinity;
        int best = NGramLanguageModel.SentenceEndId;
        for (int w = 0; w < log10.Length; w++)
        {
            if (!IsCandidate(w, wordToKey)) continue;
            if (log10[w] > max)
            {
                max = log10[w];
                best = w;
            }
        }
        if (temperature == 0) return best;
        double total = 0;
        for (int w = 0; w < log10.Length; w++)
        {
            weights[w] = IsCandidate(w, wordToKey) ? Math.Exp((log10[w] - max) * Math.Log(10) / temperature) : 0;
            total += weights[w];
        }
        double u = random.NextDouble() * total;
        for (int w = 0; w < weights.Length; w++)
        {
            if (weights[w] == 0) continue;
            u -= weights[w];
            if (u <= 0) return w;
        }
        return best;
    }

    private static bool IsCandidate(int word, int[] wordToKey) =>
        word == NGramLanguageModel.SentenceEndId || (word != NGramLanguageModel.UnknownWordId && wordToKey[word] >= 0);
}
