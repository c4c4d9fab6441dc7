using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ArML.Trainers.NGram;

/// <summary>
/// The scoring step of a suffix-closed model (<see cref="NGramSuffixClosure"/>), laid out for memory-level parallelism.
/// A step's lookups all depend only on the previous state and the word, not on one another, so they are issued
/// together: first every stored context's child range (independent loads whose cache misses overlap), then the child
/// searches from the shortest context up, which stop at the first miss — closure means no longer context can match
/// after one fails. Backoff weights are read only for the contexts the word backs off from, usually one or two: reading
/// every context's upfront cost a cache miss per context (tiny Shakespeare, the two ways alternating pass by pass in
/// one process: orders 7-10 9-14% more tokens/s, order 5 4%, order 3 unchanged).
/// The float terms are added in the order the general path adds them, so every score is bit-for-bit that of
/// <see cref="NGramLanguageModel.Advance"/>'s general form.
/// </summary>
/// <remarks>The levels were validated (<see cref="NGramModelValidation"/>): every node and child index is in range, which
/// is why the hot loops read without bounds checks.</remarks>
internal sealed class NGramClosedScorer
{
    private readonly int[][] _ranges;     // _ranges[m]: child ranges of the m-grams (m = 1..Order − 1)
    private readonly int[][] _words;      // _words[k]: last word of each k-gram (k = 2..Order)
    private readonly float[][] _probs;    // _probs[k]: log10 p of each k-gram
    private readonly float[][] _backoffs; // _backoffs[m]: log10 backoff of each m-gram (m = 1..Order − 1)

    public NGramClosedScorer(NGramLevel[] levels)
    {
        int order = levels.Length;
        _ranges = new int[order + 1][];
        _words = new int[order + 1][];
        _probs = new float[order + 1][];
        _backoffs = new float[order + 1][];
        for (int k = 1; k <= order; k++)
        {
            _ranges[k] = levels[k - 1].Children ?? [];
            _words[k] = levels[k - 1].Words ?? [];
            _probs[k] = levels[k - 1].LogProbs;
            _backoffs[k] = levels[k - 1].Backoffs ?? [];
        }
    }

    /// <summary>Scratch for <see cref="Advance"/>: per context length, its child range's start and end.</summary>
    public ref struct Scratch(Span<int> begin, Span<int> end)
    {
        public Span<int> Begin = begin;
        public Span<int> End = end;
    }

    /// <summary>
    /// log10 p(<paramref name="word"/> | state) and moves the state past it. state[0..valid) are the nodes of the
    /// context's stored suffixes (lengths 1..valid); the rest are −1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Advance(Span<int> state, ref int valid, int word, Scratch scratch)
    {
        ref int s = ref MemoryMarshal.GetReference(state);
        ref int begin = ref MemoryMarshal.GetReference(scratch.Begin);
        ref int end = ref MemoryMarshal.GetReference(scratch.End);
        int n = valid;
        for (int m = 1; m <= n; m++)
        {
            int node = Unsafe.Add(ref s, m - 1);
            ref int range = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_ranges[m]), node);
            Unsafe.Add(ref begin, m) = range;
            Unsafe.Add(ref end, m) = Unsafe.Add(ref range, 1);
        }
        int found = word;   // the node of (last `longest` context words, word); level 1: the word itself
        int longest = 0;
        while (longest < n)
        {
            int m = longest + 1;
            int lo = Unsafe.Add(ref begin, m);
            int child = NGramTrie.IndexIn(_words[m + 1], lo, Unsafe.Add(ref end, m) - lo, word);
            if (child < 0) break;
            Unsafe.Add(ref s, longest) = found;   // state[j] becomes the node of (last j context words, word)
            found = child;
            longest = m;
        }
        float log10 = Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_probs[longest + 1]), found);
        // state[m − 1] for m > longest still holds the context's node: the search above rewrote only state[0..longest).
        for (int m = longest + 1; m <= n; m++)
            log10 += Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_backoffs[m]), Unsafe.Add(ref s, m - 1));
        if (longest < state.Length) Unsafe.Add(ref s, longest) = found;
        for (int j = longest + 1; j < n; j++) Unsafe.Add(ref s, j) = -1;
        valid = Math.Min(longest + 1, state.Length);
        return log10;
    }
}
