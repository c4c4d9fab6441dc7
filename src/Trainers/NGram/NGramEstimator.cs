namespace ArML.Trainers.NGram;

/// <summary>
/// Turns the counts of an <see cref="NGramCounter"/> into interpolated probabilities and backoff weights, order by
/// order, as KenLM's <c>lmplz</c> does for modified Kneser-Ney:
/// <list type="number">
/// <item>Adjusted counts a: raw counts at the highest order and for n-grams starting with &lt;s&gt;; elsewhere the
/// number of distinct words seen before the n-gram (its continuation count). <see cref="NGramSmoothing.AddK"/> keeps raw counts.</item>
/// <item>Discounts per order from the counts-of-counts of a (<see cref="NGramDiscounts"/>).</item>
/// <item>For each context h: p̃(w | h) = (a(h w) − D(a)) / Σ a(h ·) and γ(h) = Σ D(a) / Σ a(h ·); a pruned n-gram gives its
/// whole count to γ.</item>
/// <item>Interpolation from order 1 up: p(w | h) = p̃(w | h) + γ(h)·p(w | h′), with p(w | ∅′) = 1 / (V − 1) over every
/// word but &lt;s&gt;. The backoff weight of a context is γ(h).</item>
/// </list>
/// Arithmetic is in double precision; probabilities are stored as float log10 values, as in ARPA files.
/// </summary>
internal sealed class NGramEstimator
{
    private readonly NGramCounter _counts;
    private readonly bool[] _present;
    private readonly NGramSmoothing _smoothing;
    private readonly double _additiveConstant;
    private readonly double[]? _fallback;
    private readonly long[] _thresholds;     // by order; 0 = keep everything
    private readonly int _order;
    private readonly int[] _sizes;           // entries per order (order 1: counting vocabulary size)
    private readonly int[][] _suffix;        // _suffix[k][x]: id of the (k−1)-gram that drops x's first word
    private int[][] _adjusted = [];

    /// <param name="counts">The counted corpus.</param>
    /// <param name="present">Which counting word ids are in the vocabulary (seen, or &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;).</param>
    /// <param name="smoothing">The method.</param>
    /// <param name="additiveConstant">k of AddK.</param>
    /// <param name="fallback">Fallback discounts, or null.</param>
    /// <param name="thresholds">Pruning threshold by order (index 0 unused), all zero for none.</param>
    public NGramEstimator(NGramCounter counts, bool[] present, NGramSmoothing smoothing, double additiveConstant, double[]? fallback, long[] thresholds)
    {
        _counts = counts;
        _present = present;
        _smoothing = smoothing;
        _additiveConstant = additiveConstant;
        _fallback = fallback;
        _thresholds = thresholds;
        _order = counts.Order;
        _sizes = new int[_order + 1];
        _sizes[1] = counts.VocabularySize;
        for (int k = 2; k <= _order; k++) _sizes[k] = counts.Table(k).Count;
        _suffix = new int[_order + 1][];
        Discounts = new NGramDiscounts[_order];
    }

    /// <summary>Discounts by order − 1 (zero for <see cref="NGramSmoothing.AddK"/>); set by <see cref="Estimate"/>.</summary>
    public NGramDiscounts[] Discounts { get; }

    /// <summary>Number of predictable words: the vocabulary without &lt;s&gt;.</summary>
    public int PredictableWords => _present.Count(p => p) - 1;

    /// <summary>
    /// Computes every order's log10 probabilities, backoffs and kept flags. Order-k arrays are indexed by the
    /// counter's ids (order 1: word ids).
    /// </summary>
    public EstimatedOrder[] Estimate()
    {
        ComputeSuffixes();
        for (int k = 2; k <= _order; k++) _counts.Table(k).ReleaseLookup();
        NGramMemory.Reclaim();
        ComputeAdjustedCounts();
        var result = new EstimatedOrder[_order + 1];
        double[]? lowerProbabilities = null;
        ContextSums? contexts = null;   // sums over the extensions of the previous order's n-grams
        for (int k = 1; k <= _order; k++)
        {
            contexts ??= SumContexts(k);
            var probabilities = Interpolate(k, contexts, lowerProbabilities);
            var next = k < _order ? SumContexts(k + 1) : null;
            result[k] = new EstimatedOrder(ToLog10(probabilities), next is null ? null : Backoffs(next), KeptFlags(k));
            lowerProbabilities = probabilities;
            contexts = next;
            // Order k's adjusted counts and suffix links are spent: dropping them now lowers the build's peak memory.
            _adjusted[k] = [];
            _suffix[k] = [];
            NGramMemory.Reclaim();
        }
        return result;
    }

    private void ComputeSuffixes()
    {
        for (int k = 2; k <= _order; k++)
        {
            var keys = _counts.Table(k).Keys;
            var suffix = new int[_sizes[k]];
            for (int x = 0; x < suffix.Length; x++)
            {
                int word = NGramCountTable.WordOf(keys[x]);
                if (k == 2)
                {
                    suffix[x] = word;
                    continue;
                }
                // The suffix of (prefix, word) is (suffix of prefix, word): it ended at the same position, so it was counted.
                int shorter = _counts.Table(k - 1).Find(NGramCountTable.Pack(_suffix[k - 1][NGramCountTable.PrefixOf(keys[x])], word));
                suffix[x] = shorter >= 0 ? shorter
                    : throw new InvalidOperationException($"Internal error: the suffix of a counted {k}-gram was not counted.");
            }
            _suffix[k] = suffix;
        }
    }

    private void ComputeAdjustedCounts()
    {
        _adjusted = new int[_order + 1][];
        bool continuation = _smoothing != NGramSmoothing.AddK;
        var startsWithBos = new bool[_order + 1][];
        startsWithBos[1] = new bool[_sizes[1]];
        startsWithBos[1][NGramLanguageModel.SentenceStartId] = true;
        for (int k = 2; k <= _order; k++)
        {
            var keys = _counts.Table(k).Keys;
            startsWithBos[k] = new bool[_sizes[k]];
            for (int x = 0; x < _sizes[k]; x++) startsWithBos[k][x] = startsWithBos[k - 1][NGramCountTable.PrefixOf(keys[x])];
        }
        for (int k = 1; k <= _order; k++)
        {
            var raw = Raw(k);
            if (!continuation || k == _order)
            {
                // The raw counts themselves, no copy of the largest order (only the first _sizes[k] entries are read:
                // the tables' arrays keep their capacity).
                _adjusted[k] = raw;
                continue;
            }
            var adjusted = new int[_sizes[k]];
            foreach (int s in _suffix[k + 1].AsSpan(0, _sizes[k + 1])) adjusted[s]++;   // one per distinct left extension
            for (int x = 0; x < adjusted.Length; x++)
                if (startsWithBos[k][x]) adjusted[x] = raw[x];                          // <s> … cannot be extended to the left
            _adjusted[k] = adjusted;
        }
        for (int k = 1; k <= _order; k++) Discounts[k - 1] = EstimateDiscounts(k);
    }

    private NGramDiscounts EstimateDiscounts(int k)
    {
        if (_smoothing == NGramSmoothing.AddK) return new NGramDiscounts(0, 0, 0, false);
        var countsOfCounts = new long[5];
        foreach (int a in _adjusted[k].AsSpan(0, _sizes[k]))
            if (a is >= 1 and <= 4) countsOfCounts[a]++;
        return _smoothing == NGramSmoothing.ModifiedKneserNey
            ? NGramDiscounts.ModifiedKneserNey(countsOfCounts, _fallback, k)
            : NGramDiscounts.KneserNey(countsOfCounts, _fallback, k);
    }

    /// <summary>Per context of order-k n-grams: Σ a (denominator) and the mass left for the lower order (numerator of γ).</summary>
    private ContextSums SumContexts(int k)
    {
        int contextCount = k == 1 ? 1 : _sizes[k - 1];
        var sums = new ContextSums(new double[contextCount], new double[contextCount]);
        var discounts = Discounts[k - 1];
        var adjusted = _adjusted[k];
        var keys = k == 1 ? null : _counts.Table(k).Keys;
        var raw = Raw(k);
        for (int x = 0; x < _sizes[k]; x++)
        {
            int context = keys is null ? 0 : NGramCountTable.PrefixOf(keys[x]);
            int a = adjusted[x];
            sums.Denominator[context] += a;
            sums.LeftOver[context] += IsPruned(k, raw[x]) ? a : discounts.For(a);
        }
        if (_smoothing == NGramSmoothing.AddK)
        {
            // k·V pseudo-counts, all of them given to the lower order: p = (c + kV·p′) / (Σc + kV).
            double pseudo = _additiveConstant * PredictableWords;
            for (int c = 0; c < contextCount; c++)
            {
                if (sums.Denominator[c] == 0 && k > 1) continue;   // not a context: no extensions at all
                sums.Denominator[c] += pseudo;
                sums.LeftOver[c] += pseudo;
            }
        }
        return sums;
    }

    private double[] Interpolate(int k, ContextSums contexts, double[]? lower)
    {
        var probabilities = new double[_sizes[k]];
        var discounts = Discounts[k - 1];
        var adjusted = _adjusted[k];
        var raw = Raw(k);
        var keys = k == 1 ? null : _counts.Table(k).Keys;
        double uniform = 1.0 / PredictableWords;
        for (int x = 0; x < probabilities.Length; x++)
        {
            if (k == 1 && (!_present[x] || x == NGramLanguageModel.SentenceStartId)) continue;   // p(<s>) = 0
            if (IsPruned(k, raw[x])) continue;
            int context = keys is null ? 0 : NGramCountTable.PrefixOf(keys[x]);
            double denominator = contexts.Denominator[context];
            double gamma = contexts.LeftOver[context] / denominator;
            double lowerOrder = k == 1 ? uniform : lower![_suffix[k][x]];
            probabilities[x] = (adjusted[x] - discounts.For(adjusted[x])) / denominator + gamma * lowerOrder;
        }
        return probabilities;
    }

    private static float[] Backoffs(ContextSums extensions)
    {
        var backoffs = new float[extensions.Denominator.Length];
        for (int x = 0; x < backoffs.Length; x++)
            if (extensions.Denominator[x] > 0) backoffs[x] = (float)Math.Log10(extensions.LeftOver[x] / extensions.Denominator[x]);
        return backoffs;
    }

    private bool[]? KeptFlags(int k)
    {
        if (k == 1 || _thresholds[k] == 0) return null;
        var raw = Raw(k);
        var kept = new bool[_sizes[k]];
        for (int x = 0; x < kept.Length; x++) kept[x] = !IsPruned(k, raw[x]);
        return kept;
    }

    private bool IsPruned(int k, int rawCount) => k > 1 && rawCount <= _thresholds[k];

    private int[] Raw(int k) => k == 1 ? _counts.UnigramCounts : _counts.Table(k).Counts;

    private static float[] ToLog10(double[] probabilities)
    {
        var result = new float[probabilities.Length];
        // log10(0) = −∞; a probability of 1 can round a hair above it, which no model (or ARPA reader) may hold.
        for (int i = 0; i < result.Length; i++) result[i] = (float)Math.Min(0, Math.Log10(probabilities[i]));
        return result;
    }

    private sealed record ContextSums(double[] Denominator, double[] LeftOver);
}

/// <summary>One order's estimate, indexed by the counter's ids.</summary>
/// <param name="Log10Probabilities">log10 p of each n-gram (−∞ for &lt;s&gt; and absent words).</param>
/// <param name="Log10Backoffs">log10 γ of each n-gram as a context (0 when it has no extensions); null at the highest order.</param>
/// <param name="Kept">Which n-grams survive pruning; null when all do.</param>
internal sealed record EstimatedOrder(float[] Log10Probabilities, float[]? Log10Backoffs, bool[]? Kept);
