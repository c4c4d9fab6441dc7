using ArML.Trainers.NGram;

namespace ArML.Tests.Trainers.NGram;

/// <summary>
/// A second, deliberately naive implementation of the n-gram estimators, written from the textbook definitions:
/// n-grams are strings in dictionaries, probabilities follow the interpolated recursion directly (never the
/// backoff form the library stores), and nothing is shared with the library's code.
/// </summary>
public sealed class ReferenceNGramModel
{
    public const string Bos = "<s>", Eos = "</s>", Unk = "<unk>";
    private readonly int _order;
    private readonly NGramSmoothing _smoothing;
    private readonly double _k;
    private readonly long[] _thresholds;
    private readonly Dictionary<string, long>[] _raw;
    private readonly Dictionary<string, long>[] _adjusted;
    private readonly Dictionary<string, double>[] _denominator = [];
    private readonly Dictionary<string, double>[] _leftOver = [];
    private readonly double[][] _discounts;
    private readonly HashSet<string> _vocabulary = new(StringComparer.Ordinal);

    /// <param name="sentences">Sentences as lists of words (no markers).</param>
    public ReferenceNGramModel(IEnumerable<IReadOnlyList<string>> sentences, int order, NGramSmoothing smoothing = NGramSmoothing.ModifiedKneserNey,
        double k = 1, double[]? fallback = null, long[]? thresholds = null)
    {
        fallback ??= [0.5, 1, 1.5];
        _order = order;
        _smoothing = smoothing;
        _k = k;
        _thresholds = thresholds ?? new long[order + 1];
        _raw = Enumerable.Range(0, order + 1).Select(_ => new Dictionary<string, long>(StringComparer.Ordinal)).ToArray();
        foreach (var sentence in sentences)
        {
            var w = new List<string> { Bos };
            w.AddRange(sentence);
            w.Add(Eos);
            for (int i = 1; i < w.Count; i++)
                for (int n = 1; n <= order && i - n + 1 >= 0; n++)
                {
                    string key = Key(w.GetRange(i - n + 1, n));
                    _raw[n][key] = _raw[n].GetValueOrDefault(key) + 1;
                }
        }
        foreach (string g in _raw[1].Keys) _vocabulary.Add(g);
        _vocabulary.Add(Unk);
        _vocabulary.Add(Bos);

        _adjusted = new Dictionary<string, long>[order + 1];
        for (int n = 1; n <= order; n++)
        {
            var a = new Dictionary<string, long>(StringComparer.Ordinal);
            if (smoothing == NGramSmoothing.AddK || n == order)
                foreach (var (g, c) in _raw[n]) a[g] = c;
            else
            {
                foreach (string longer in _raw[n + 1].Keys)
                {
                    string suffix = Key(Split(longer).Skip(1));
                    a[suffix] = a.GetValueOrDefault(suffix) + 1;
                }
                foreach (var (g, c) in _raw[n])
                    if (Split(g)[0] == Bos) a[g] = c;
            }
            _adjusted[n] = a;
        }
        _adjusted[1].TryAdd(Unk, 0);
        _adjusted[1].TryAdd(Bos, 0);

        _discounts = new double[order + 1][];
        for (int n = 1; n <= order; n++) _discounts[n] = Discounts(n, fallback);

        _denominator = new Dictionary<string, double>[order + 1];
        _leftOver = new Dictionary<string, double>[order + 1];
        for (int n = 1; n <= order; n++)
        {
            _denominator[n] = new(StringComparer.Ordinal);
            _leftOver[n] = new(StringComparer.Ordinal);
            foreach (var (g, a) in _adjusted[n])
            {
                string context = Key(Split(g).SkipLast(1));
                _denominator[n][context] = _denominator[n].GetValueOrDefault(context) + a;
                double left = Pruned(n, g) ? a : Discount(n, a);
                _leftOver[n][context] = _leftOver[n].GetValueOrDefault(context) + left;
            }
        }
    }

    /// <summary>Words that can be predicted (the vocabulary without &lt;s&gt;).</summary>
    public IEnumerable<string> Predictable => _vocabulary.Where(w => w != Bos);

    public double[] DiscountsOf(int order) => _discounts[order];

    /// <summary>p(word | context) by the interpolated recursion; the context's last order − 1 words count.</summary>
    public double Probability(IReadOnlyList<string> context, string word)
    {
        if (word == Bos) return 0;
        if (!_vocabulary.Contains(word)) word = Unk;
        var h = context.Select(c => _vocabulary.Contains(c) ? c : Unk).TakeLast(_order - 1).ToList();
        return Interpolated(h, word);
    }

    /// <summary>Σ log10 p over a sentence's words and its &lt;/s&gt;.</summary>
    public double Log10Sentence(IReadOnlyList<string> sentence)
    {
        var history = new List<string> { Bos };
        double total = 0;
        foreach (string w in sentence.Append(Eos))
        {
            total += Math.Log10(Probability(history, w));
            history.Add(w);
        }
        return total;
    }

    private double Interpolated(List<string> h, string w)
    {
        int n = h.Count + 1;
        double extra = _smoothing == NGramSmoothing.AddK ? _k * Predictable.Count() : 0;
        if (n == 1)
        {
            double den1 = _denominator[1][""] + extra;
            double a1 = _adjusted[1].GetValueOrDefault(w);
            return (a1 - Discount(1, a1)) / den1 + (_leftOver[1][""] + extra) / den1 / Predictable.Count();
        }
        string context = Key(h);
        double lower = Interpolated(h.Skip(1).ToList(), w);
        if (!_denominator[n].TryGetValue(context, out double den)) return lower;   // an unseen context adds nothing
        den += extra;
        string g = Key(h.Append(w));
        double a = _adjusted[n].GetValueOrDefault(g);
        double own = a == 0 || Pruned(n, g) ? 0 : (a - Discount(n, a)) / den;
        return own + (_leftOver[n][context] + extra) / den * lower;
    }

    private bool Pruned(int n, string g) => n > 1 && _raw[n].GetValueOrDefault(g) <= _thresholds[n];

    private double Discount(int n, double a) =>
        _smoothing == NGramSmoothing.AddK || a == 0 ? 0 : _discounts[n][Math.Min((int)a, 3)];

    private double[] Discounts(int n, double[] fallback)
    {
        if (_smoothing == NGramSmoothing.AddK) return [0, 0, 0, 0];
        var count = new long[5];
        foreach (long a in _adjusted[n].Values)
            if (a is >= 1 and <= 4) count[a]++;
        if (_smoothing == NGramSmoothing.KneserNey)
        {
            double d = count[1] > 0 && count[2] > 0 ? (double)count[1] / (count[1] + 2 * count[2]) : fallback[0];
            return [0, d, d, d];
        }
        if (count[1] > 0 && count[2] > 0 && count[3] > 0)
        {
            double y = (double)count[1] / (count[1] + 2 * count[2]);
            var d = new double[4];
            bool ok = true;
            for (int j = 1; j <= 3; j++)
            {
                d[j] = j - (j + 1) * y * count[j + 1] / count[j];
                ok &= d[j] >= 0 && d[j] <= j;
            }
            if (ok) return d;
        }
        return [0, fallback[0], fallback[1], fallback[2]];
    }

    private static string Key(IEnumerable<string> words) => string.Join(' ', words);

    private static string[] Split(string key) => key.Split(' ');
}
