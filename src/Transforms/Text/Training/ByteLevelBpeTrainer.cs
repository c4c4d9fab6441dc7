using System.Diagnostics;
using System.Runtime.InteropServices;
using ArML.Transforms.Text.Encodings;

namespace ArML.Transforms.Text.Training;

/// <summary>
/// Learns a GPT-2-style byte-level BPE from counted words, as fast trainers do: every distinct word is turned into
/// byte symbols once; pair counts and, for each pair, the words holding it are built once; then each merge takes
/// the most frequent pair from a priority queue and updates only the words that hold it and the counts of the pairs
/// around it. The corpus is never recounted.
/// </summary>
/// <remarks>
/// Vocabulary layout (as Hugging Face's trainer): special tokens first, then the 256 byte tokens ordered by their
/// byte-level character, then one token per merge. Ties between equally frequent pairs go to the pair of smaller
/// ids, so training is deterministic. The queue is lazy: an entry whose count went down since it was queued is
/// re-queued with its current count when it reaches the top.
/// </remarks>
internal sealed class ByteLevelBpeTrainer
{
    private readonly TokenizerTrainerOptions _options;
    private readonly List<string> _tokens = [];
    private readonly Dictionary<string, int> _idOf = new(StringComparer.Ordinal);
    private readonly List<(string Left, string Right)> _merges = [];
    private readonly Dictionary<long, int> _pairCounts = [];
    private readonly Dictionary<long, List<int>> _pairWords = [];
    private readonly HashSet<long> _increased = [];
    private readonly PriorityQueue<long, (int Count, long Pair)> _queue = new(Comparer<(int Count, long Pair)>.Create(
        (x, y) => x.Count != y.Count ? y.Count.CompareTo(x.Count) : x.Pair.CompareTo(y.Pair)));
    private int[][] _words = [];
    private int[] _lengths = [];
    private int[] _counts = [];

    public ByteLevelBpeTrainer(TokenizerTrainerOptions options) => _options = options;

    /// <summary>True when training stopped before <see cref="TokenizerTrainerOptions.VocabularySize"/> for lack of pairs.</summary>
    public bool Saturated { get; private set; }

    public BpeVocabulary Train(IReadOnlyDictionary<string, int> wordCounts, long rows, Stopwatch clock)
    {
        AddInitialTokens();
        LoadWords(wordCounts);
        CountPairs();
        Report("merging", rows, clock);
        while (_tokens.Count < _options.VocabularySize)
        {
            if (!TryTakeBestPair(out long pair)) break;
            Merge(pair);
            if (_merges.Count % 1000 == 0) Report("merging", rows, clock);
        }
        Saturated = _tokens.Count < _options.VocabularySize;
        Report("done", rows, clock);
        return BpeVocabulary.FromTrained(_tokens, _merges, _options.SpecialTokens);
    }

    private void AddInitialTokens()
    {
        foreach (string special in _options.SpecialTokens) AddToken(special);
        var alphabet = ByteLevelAlphabet.Characters;
        foreach (int b in Enumerable.Range(0, 256).OrderBy(b => alphabet[b]))
        {
            string token = alphabet[b].ToString();
            if (_idOf.ContainsKey(token))
                throw new ArgumentException($"The special token '{token}' is also a byte token of the byte-level alphabet.", nameof(_options.SpecialTokens));
            AddToken(token);
        }
    }

    private int AddToken(string token)
    {
        int id = _tokens.Count;
        _tokens.Add(token);
        _idOf[token] = id;
        return id;
    }

    private void LoadWords(IReadOnlyDictionary<string, int> wordCounts)
    {
        var idOfByte = new int[256];
        for (int b = 0; b < 256; b++) idOfByte[b] = _idOf[ByteLevelAlphabet.Characters[b].ToString()];
        _words = new int[wordCounts.Count][];
        _lengths = new int[wordCounts.Count];
        _counts = new int[wordCounts.Count];
        int w = 0;
        foreach (var (word, count) in wordCounts)
        {
            byte[] bytes = ByteLevelAlphabet.Utf8(word);
            var symbols = new int[bytes.Length];
            for (int i = 0; i < bytes.Length; i++) symbols[i] = idOfByte[bytes[i]];
            _words[w] = symbols;
            _lengths[w] = symbols.Length;
            _counts[w] = count;
            w++;
        }
    }

    private void CountPairs()
    {
        for (int w = 0; w < _words.Length; w++)
        {
            int[] s = _words[w];
            for (int i = 0; i + 1 < _lengths[w]; i++)
            {
                long pair = Key(s[i], s[i + 1]);
                CollectionsMarshal.GetValueRefOrAddDefault(_pairCounts, pair, out _) += _counts[w];
                AddWord(pair, w);
            }
        }
        foreach (var (pair, count) in _pairCounts) _queue.Enqueue(pair, (count, pair));
    }

    private bool TryTakeBestPair(out long pair)
    {
        while (_queue.TryDequeue(out pair, out var queued))
        {
            int current = _pairCounts.GetValueOrDefault(pair);
            if (current != queued.Count)
            {
                // Stale: the pair lost occurrences to earlier merges since it was queued.
                if (current > 0) _queue.Enqueue(pair, (current, pair));
                continue;
            }
            return current >= _options.MinimumPairFrequency;
        }
        return false;
    }

    private void Merge(long pair)
    {
        int left = (int)(pair >> 32), right = (int)pair;
        string merged = _tokens[left] + _tokens[right];
        // Two merge paths can spell the same token ("a"+"bc", "ab"+"c"): the token keeps its first id.
        int id = _idOf.TryGetValue(merged, out int existing) ? existing : AddToken(merged);
        _merges.Add((_tokens[left], _tokens[right]));

        _increased.Clear();
        foreach (int w in _pairWords[pair])
        {
            int[] s = _words[w];
            int length = _lengths[w];
            int count = _counts[w];
            // Rewrites the word in place (read index i, write index j). At each occurrence only the pairs touching it
            // change: (before, left) becomes (before, merged) and (right, after) becomes (merged, after). "before" is
            // read from the rewritten part, so back-to-back occurrences ("a b a b") chain correctly.
            int j = 0;
            for (int i = 0; i < length;)
            {
                if (i + 1 < length && s[i] == left && s[i + 1] == right)
                {
                    if (j > 0)
                    {
                        Add(Key(s[j - 1], left), -count);
                        Add(Key(s[j - 1], id), count, w);
                    }
                    if (i + 2 < length)
                    {
                        Add(Key(right, s[i + 2]), -count);
                        Add(Key(id, s[i + 2]), count, w);
                    }
                    s[j++] = id;
                    i += 2;
                }
                else
                {
                    s[j++] = s[i++];
                }
            }
            _lengths[w] = j; // unchanged when an earlier merge already consumed the occurrence this entry was listed for
        }
        _pairCounts.Remove(pair);
        _pairWords.Remove(pair);
        foreach (long changed in _increased)
        {
            int count = _pairCounts[changed];
            if (count > 0) _queue.Enqueue(changed, (count, changed));
        }
    }

    private void Add(long pair, int delta, int word = -1)
    {
        CollectionsMarshal.GetValueRefOrAddDefault(_pairCounts, pair, out _) += delta;
        if (word < 0) return;
        _increased.Add(pair);
        AddWord(pair, word);
    }

    private void AddWord(long pair, int w)
    {
        ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(_pairWords, pair, out _);
        list ??= [];
        if (list.Count == 0 || list[^1] != w) list.Add(w);
    }

    private void Report(string phase, long rows, Stopwatch clock) =>
        _options.Progress?.Report(new TokenizerTrainingProgress(phase, rows, _words.Length, _tokens.Count, _merges.Count, clock.Elapsed));

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;
}
