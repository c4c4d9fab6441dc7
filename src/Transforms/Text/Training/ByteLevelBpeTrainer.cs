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

        var increased = new HashSet<long>();
        foreach (int w in _pairWords[pair])
        {
            int[] s = _words[w];
            int length = _lengths[w];
            if (!Holds(s, length, left, right)) continue; // listed for an occurrence an earlier merge consumed
            int count = _counts[w];
            for (int i = 0; i + 1 < length; i++) CollectionsMarshal.GetValueRefOrNullRef(_pairCounts, Key(s[i], s[i + 1])) -= count;
            int j = 0;
            for (int i = 0; i < length;)
            {
                if (i + 1 < length && s[i] == left && s[i + 1] == right)
                {
                    s[j++] = id;
                    i += 2;
                }
                else
                {
                    s[j++] = s[i++];
                }
            }
            _lengths[w] = j;
            for (int i = 0; i + 1 < j; i++)
            {
                long neighbour = Key(s[i], s[i + 1]);
                CollectionsMarshal.GetValueRefOrAddDefault(_pairCounts, neighbour, out _) += count;
                if (s[i] == id || s[i + 1] == id)
                {
                    increased.Add(neighbour);
                    AddWord(neighbour, w);
                }
            }
        }
        _pairCounts.Remove(pair);
        _pairWords.Remove(pair);
        foreach (long changed in increased)
        {
            int count = _pairCounts[changed];
            if (count > 0) _queue.Enqueue(changed, (count, changed));
        }
    }

    private static bool Holds(int[] s, int length, int left, int right)
    {
        for (int i = 0; i + 1 < length; i++)
            if (s[i] == left && s[i + 1] == right) return true;
        return false;
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
