using ArML.Tests.Support;
using ArML.Trainers.Gpt;

namespace ArML.Tests.Trainers.Generation;

/// <summary>
/// Independent decoding references: the model's ordinary forward pass over the documented window, with the arg-max,
/// penalties and distributions computed here rather than by the library.
/// </summary>
internal static class DecodingReference
{
    /// <summary>Greedy decoding; <paramref name="adjust"/> may change the candidate scores (tokens, then the end) given the row so far.</summary>
    public static List<int> Greedy(GptLanguageModel lm, IReadOnlyList<int> prefix, IReadOnlyList<int> promptTokens, int maxNewTokens,
        Action<double[], List<int>>? adjust = null)
    {
        int context = lm.ContextLength, tokens = lm.Vocabulary.TokenKeyCount;
        var window = prefix.Skip(Math.Max(0, prefix.Count - context)).ToList();
        var row = promptTokens.ToList();
        var generated = new List<int>();
        for (int step = 0; step < maxNewTokens; step++)
        {
            var scores = Candidates(RandomGpt.LastLogits(lm, window), tokens, lm.SeparatorId);
            if (lm.Vocabulary.HasUnknown) scores[lm.Vocabulary.UnknownToken] = double.NegativeInfinity;   // never decoded
            adjust?.Invoke(scores, row);
            int best = 0;
            for (int c = 1; c < scores.Length; c++) if (scores[c] > scores[best]) best = c;
            if (best == tokens) break;
            generated.Add(best);
            row.Add(best);
            RandomGpt.Push(window, best, context);
        }
        return generated;
    }

    /// <summary>Scores of the candidates: every token, then the end of the row.</summary>
    public static double[] Candidates(float[] logits, int tokens, int separator) =>
        logits.Take(tokens).Select(v => (double)v).Append(logits[separator]).ToArray();

    /// <summary>The beginning of an unconditional row: separator then prompt.</summary>
    public static int[] Prefix(GptLanguageModel lm, IReadOnlyList<int> prompt) => [lm.SeparatorId, .. prompt];

    /// <summary>Softmax of log-probabilities at a temperature.</summary>
    public static double[] Tempered(double[] logProbabilities, double temperature)
    {
        var weights = logProbabilities.Select(l => Math.Exp(l / temperature)).ToArray();
        double sum = weights.Sum();
        return weights.Select(w => w / sum).ToArray();
    }

    /// <summary>Keeps <paramref name="keep"/>(candidate, probability) and renormalizes.</summary>
    public static double[] Restrict(double[] probabilities, Func<int, double, bool> keep)
    {
        var kept = probabilities.Select((p, i) => keep(i, p) ? p : 0).ToArray();
        double sum = kept.Sum();
        return kept.Select(p => p / sum).ToArray();
    }

    /// <summary>The nucleus: the fewest most likely candidates whose probabilities reach <paramref name="topP"/>.</summary>
    public static HashSet<int> Nucleus(double[] probabilities, double topP)
    {
        var nucleus = new HashSet<int>();
        double total = 0;
        foreach (int c in Enumerable.Range(0, probabilities.Length).OrderByDescending(i => probabilities[i]).ThenBy(i => i))
        {
            if (total >= topP) break;
            nucleus.Add(c);
            total += probabilities[c];
        }
        return nucleus;
    }

    /// <summary>Pearson's statistic over bins with an expected count of at least 5 (the rest pooled), and its degrees of freedom.</summary>
    public static (double Statistic, int DegreesOfFreedom) ChiSquare(int[] counts, double[] probabilities)
    {
        int n = counts.Sum();
        var bins = new List<(double Observed, double Expected)>();
        double restObserved = 0, restExpected = 0;
        for (int c = 0; c < counts.Length; c++)
        {
            double expected = probabilities[c] * n;
            if (expected >= 5) bins.Add((counts[c], expected));
            else
            {
                restObserved += counts[c];
                restExpected += expected;
            }
        }
        if (restExpected >= 5 || (restExpected > 0 && bins.Count < 2)) bins.Add((restObserved, restExpected));
        else if (restExpected > 0 || restObserved > 0)
        {
            // Too small to stand alone: pooled into the smallest bin.
            int smallest = bins.IndexOf(bins.MinBy(b => b.Expected));
            bins[smallest] = (bins[smallest].Observed + restObserved, bins[smallest].Expected + restExpected);
        }
        return (bins.Sum(b => (b.Observed - b.Expected) * (b.Observed - b.Expected) / b.Expected), bins.Count - 1);
    }

    /// <summary>The chi-square quantile at 1 − 0.001 (Wilson–Hilferty).</summary>
    public static double ChiSquareCritical(int degreesOfFreedom)
    {
        const double z = 3.0902;   // standard normal quantile at 0.999
        double k = degreesOfFreedom, a = 2.0 / (9 * k);
        return k * Math.Pow(1 - a + z * Math.Sqrt(a), 3);
    }
}
