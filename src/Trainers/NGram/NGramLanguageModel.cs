namespace ArML.Trainers.NGram;

/// <summary>
/// A backoff n-gram language model (the model an ARPA file describes), stored as a compact forward trie of
/// 16 bytes per n-gram: p(w | c₁…cₘ) is the stored probability of c₁…cₘ w when that n-gram exists, otherwise
/// backoff(c₁…cₘ) · p(w | c₂…cₘ), with backoff 1 for contexts that are not stored. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// Words are numbered 0..<see cref="VocabularySize"/> − 1 with <see cref="UnknownWordId"/> (&lt;unk&gt;),
/// <see cref="SentenceStartId"/> (&lt;s&gt;, context only, never predicted) and <see cref="SentenceEndId"/>
/// (&lt;/s&gt;) first. A sentence w₁…wₙ is scored as KenLM's <c>query</c> does: context starts at &lt;s&gt;, and
/// w₁…wₙ and &lt;/s&gt; are predicted.
/// </remarks>
public sealed class NGramLanguageModel
{
    /// <summary>Id of &lt;unk&gt;, the word every out-of-vocabulary token is scored as.</summary>
    public const int UnknownWordId = 0;

    /// <summary>Id of &lt;s&gt;, the start-of-sentence context.</summary>
    public const int SentenceStartId = 1;

    /// <summary>Id of &lt;/s&gt;, the predicted end of a sentence.</summary>
    public const int SentenceEndId = 2;

    private readonly NGramLevel[] _levels;   // _levels[k − 1] holds the k-grams
    private readonly string[] _words;
    // Every stored n-gram's suffix (its first word dropped) is stored too: then a context's stored suffixes are its
    // shortest ones, and a word's matches stop at the first miss, which lets scoring stop there (NGramClosedScorer).
    private readonly NGramClosedScorer? _closed;
    private const int MaxScratchOrder = 64;   // stack scratch of the closed scorer (orders above use the general path)

    internal NGramLanguageModel(string[] words, NGramLevel[] levels)
    {
        _words = words;
        _levels = levels;
        NGramModelValidation.Check(words, levels);
        if (NGramSuffixClosure.Holds(levels)) _closed = new NGramClosedScorer(levels);
    }

    /// <summary>Whether every stored n-gram's suffix is stored too (models trained without pruning, and lmplz's, are).</summary>
    internal bool SuffixClosed => _closed != null;

    /// <summary>The longest n-gram.</summary>
    public int Order => _levels.Length;

    /// <summary>Number of words, &lt;unk&gt;, &lt;s&gt; and &lt;/s&gt; included.</summary>
    public int VocabularySize => _words.Length;

    /// <summary>The words as ARPA spells them, by id.</summary>
    public IReadOnlyList<string> Words => _words;

    internal NGramLevel Level(int order) => _levels[order - 1];

    /// <summary>The number of stored n-grams of <paramref name="order"/> (1..<see cref="Order"/>).</summary>
    public int NGramCount(int order)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(order, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(order, Order);
        return _levels[order - 1].Count;
    }

    /// <summary>
    /// log10 p(<paramref name="word"/> | <paramref name="context"/>) by the backoff definition, looking up every
    /// suffix of the context afresh (the last Order − 1 words count). A reference path; scoring uses the incremental one.
    /// </summary>
    public double Log10Probability(ReadOnlySpan<int> context, int word)
    {
        CheckWord(word, nameof(word));
        foreach (int c in context) CheckWord(c, nameof(context));
        var state = new int[Math.Max(0, Order - 1)];
        ContextState(context, state);
        return Advance(state, word);
    }

    /// <summary>
    /// Sets <paramref name="state"/> (Order − 1 elements) to the state of <paramref name="context"/>, looking up each
    /// of its suffixes afresh (what <see cref="Advance"/> reaches step by step).
    /// </summary>
    internal void ContextState(ReadOnlySpan<int> context, Span<int> state)
    {
        for (int length = 1; length <= state.Length; length++)
            state[length - 1] = length <= context.Length ? Find(context[^length..]) : -1;
    }

    /// <summary>The natural-log probability of a sentence (&lt;/s&gt; included), with its number of predicted words.</summary>
    public (double LogLikelihood, int TokenCount) ScoreSentence(ReadOnlySpan<int> words)
    {
        foreach (int w in words) CheckWord(w, nameof(words));
        int contexts = Math.Max(0, Order - 1);
        Span<int> state = contexts <= 64 ? stackalloc int[contexts] : new int[contexts];
        return (Log10Sentence(words, state) * Math.Log(10), words.Length + 1);
    }

    /// <summary>Σ log10 p of a sentence's words and its &lt;/s&gt;, with <paramref name="state"/> (Order − 1 elements) as scratch.</summary>
    internal double Log10Sentence(ReadOnlySpan<int> words, Span<int> state)
    {
        StartSentence(state);
        double log10 = 0;
        if (_closed != null && Order <= MaxScratchOrder)
        {
            int valid = Math.Min(1, state.Length);
            var scratch = new NGramClosedScorer.Scratch(stackalloc int[Order], stackalloc int[Order]);
            foreach (int w in words) log10 += _closed.Advance(state, ref valid, w, scratch);
            return log10 + _closed.Advance(state, ref valid, SentenceEndId, scratch);
        }
        foreach (int w in words) log10 += Advance(state, w);
        return log10 + Advance(state, SentenceEndId);
    }

    /// <summary>Sets <paramref name="state"/> (Order − 1 elements) to the context of a sentence's start: &lt;s&gt;.</summary>
    internal void StartSentence(Span<int> state)
    {
        state.Fill(-1);
        if (state.Length > 0) state[0] = SentenceStartId;
    }

    /// <summary>
    /// log10 p(<paramref name="word"/> | state) and moves the state past <paramref name="word"/>. state[j] is the trie
    /// node (level j + 1) of the context's last j + 1 words, or −1 when that n-gram is not stored.
    /// </summary>
    internal float Advance(Span<int> state, int word)
    {
        if (_closed != null && Order <= MaxScratchOrder)
        {
            int valid = 0;
            while (valid < state.Length && state[valid] >= 0) valid++;
            return _closed.Advance(state, ref valid, word, new NGramClosedScorer.Scratch(stackalloc int[Order], stackalloc int[Order]));
        }
        int contexts = state.Length;
        Span<int> found = stackalloc int[contexts + 1];   // found[m]: node of (last m context words, word), level m + 1
        found[0] = word;
        int longest = 0;
        for (int m = 1; m <= contexts; m++)
        {
            found[m] = state[m - 1] >= 0 ? FindChild(m, state[m - 1], word) : -1;
            if (found[m] >= 0) longest = m;
        }
        float log10 = _levels[longest].LogProbs[found[longest]];
        for (int m = longest + 1; m <= contexts; m++)
            if (state[m - 1] >= 0) log10 += _levels[m - 1].Backoffs![state[m - 1]];
        for (int j = 0; j < contexts; j++) state[j] = found[j];
        return log10;
    }

    /// <summary>Writes log10 p(w | state) for every word w into <paramref name="destination"/> (VocabularySize elements).</summary>
    internal void NextWordLog10Probabilities(ReadOnlySpan<int> state, Span<double> destination)
    {
        // Bottom-up form of the backoff recursion: d₀ = unigrams; dₘ = explicit children of the m-word context,
        // else backoff(context) + dₘ₋₁. A missing context has backoff 1 and no children, so it changes nothing.
        var unigrams = _levels[0].LogProbs;
        for (int w = 0; w < destination.Length; w++) destination[w] = unigrams[w];
        for (int m = 1; m <= state.Length; m++)
        {
            int node = state[m - 1];
            if (node < 0) continue;
            var level = _levels[m - 1];
            double backoff = level.Backoffs![node];
            // Summed in float, as Advance sums: a word's value is then exactly the one scoring gives it.
            if (backoff != 0)
                for (int w = 0; w < destination.Length; w++) destination[w] = (float)(destination[w] + backoff);
            var next = _levels[m];
            for (int child = level.Children![node]; child < level.Children[node + 1]; child++)
                destination[next.Words![child]] = next.LogProbs[child];
        }
    }

    /// <summary>The trie node of <paramref name="ngram"/> (level = its length), or −1 when it is not stored.</summary>
    internal int Find(ReadOnlySpan<int> ngram) => NGramTrie.Find(_levels, ngram);

    /// <summary>The child of <paramref name="node"/> (at level <paramref name="order"/>) whose last word is <paramref name="word"/>, or −1.</summary>
    internal int FindChild(int order, int node, int word) => NGramTrie.FindChild(_levels[order - 1], _levels[order], node, word);

    private void CheckWord(int word, string parameter)
    {
        if ((uint)word >= (uint)_words.Length)
            throw new ArgumentOutOfRangeException(parameter, $"Word id {word} is outside the model's vocabulary (0..{_words.Length - 1}).");
    }
}
