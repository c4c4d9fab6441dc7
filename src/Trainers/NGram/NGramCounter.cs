using System.Runtime.CompilerServices;

namespace ArML.Trainers.NGram;

/// <summary>
/// Counts every n-gram of orders 1..N of a stream of sentences in one pass, the way KenLM's <c>lmplz</c> pads them:
/// a sentence w₁…wₙ is read as &lt;s&gt; w₁…wₙ &lt;/s&gt;, one n-gram of each order ends at every word after &lt;s&gt;,
/// and an n-gram never reaches back past &lt;s&gt; (near the start the longest n-gram is the one beginning with
/// &lt;s&gt;). Sentences can be added one at a time as a cursor reads them; nothing else is kept.
/// </summary>
internal sealed class NGramCounter
{
    private readonly int[] _unigrams;
    private readonly NGramCountTable[] _tables;   // _tables[k] counts order k (k ≥ 2)
    private int[] _previous;                     // _previous[k]: id of the k-gram ending at the previous word, or −1
    private int[] _current;

    /// <summary>Creates a counter of orders 1..<paramref name="order"/> over word ids 0..<paramref name="vocabularySize"/> − 1.</summary>
    public NGramCounter(int order, int vocabularySize)
    {
        Order = order;
        VocabularySize = vocabularySize;
        _unigrams = new int[vocabularySize];
        _tables = new NGramCountTable[order + 1];
        for (int k = 2; k <= order; k++) _tables[k] = new NGramCountTable();
        _previous = new int[order + 1];
        _current = new int[order + 1];
    }

    /// <summary>The highest order counted.</summary>
    public int Order { get; }

    /// <summary>Word ids are below this (they include &lt;unk&gt;, &lt;s&gt; and &lt;/s&gt;).</summary>
    public int VocabularySize { get; }

    /// <summary>Sentences added.</summary>
    public long Sentences { get; private set; }

    /// <summary>Words added, not counting the &lt;/s&gt; of each sentence.</summary>
    public long Words { get; private set; }

    /// <summary>Occurrences of each word as a predicted word (&lt;s&gt; never is).</summary>
    public int[] UnigramCounts => _unigrams;

    /// <summary>The table of order <paramref name="order"/> (2..<see cref="Order"/>); its keys' prefixes are ids of order − 1 (for order 2, words).</summary>
    public NGramCountTable Table(int order) => _tables[order];

    /// <summary>Counts the n-grams of one sentence (word ids, without boundary markers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddSentence(ReadOnlySpan<int> words)
    {
        Array.Fill(_previous, -1);
        _previous[1] = NGramLanguageModel.SentenceStartId;
        foreach (int word in words) Add(word);
        Add(NGramLanguageModel.SentenceEndId);
        Sentences++;
        Words += words.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Add(int word)
    {
        if (_unigrams[word] == int.MaxValue)
            throw new InvalidOperationException("A word occurs more than 2^31 − 1 times; split the training data.");
        _unigrams[word]++;
        _current[1] = word;
        for (int k = 2; k <= Order; k++)
        {
            int prefix = _previous[k - 1];
            _current[k] = prefix < 0 ? -1 : _tables[k].Increment(NGramCountTable.Pack(prefix, word));
        }
        (_previous, _current) = (_current, _previous);
    }
}
