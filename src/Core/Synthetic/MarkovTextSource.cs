using ArML.Numerics;

namespace ArML.Synthetic;

/// <summary>
/// A seeded synthetic text source whose entropy is exactly computable: a first-order Markov chain over
/// words with a START state and an absorbing END state. A row is the sequence of words emitted between
/// START and END, rendered joined by single spaces (no leading or trailing space, no punctuation).
/// </summary>
/// <remarks>
/// <para>
/// Words are non-empty and contain no white space, so rendering is injective: the text of a row
/// determines its word sequence, and the entropy of the text equals the entropy of the word sequence.
/// START always emits at least one word, so rows are never empty.
/// </para>
/// <para>
/// All expectations are exact (up to double rounding): with Q the word-to-word block of the transition
/// matrix and π the start distribution, the expected number of visits v to each word solves
/// (I − Qᵀ) v = π (the fundamental matrix of the absorbing chain, applied to π), and
/// <see cref="EntropyPerRow"/> = H(π) + Σ_w v_w · H(next | w).
/// </para>
/// </remarks>
public sealed class MarkovTextSource
{
    private const double SumTolerance = 1e-9;

    private readonly string[] _words;
    private readonly Dictionary<string, int> _index;
    private readonly double[] _start;
    private readonly double[][] _transitions; // n rows of n + 1 entries; column n is END.
    private readonly (int[] Targets, double[] Cumulative) _startSampler;
    private readonly (int[] Targets, double[] Cumulative)[] _samplers;

    /// <summary>
    /// Creates a source from an explicit transition table.
    /// </summary>
    /// <param name="words">The vocabulary: distinct, non-empty words without white space.</param>
    /// <param name="startProbabilities">P(first word = words[i]); one entry per word, summing to 1.</param>
    /// <param name="transitions">
    /// One row per word, each with <c>words.Count + 1</c> entries: P(next = words[j] | current = words[i])
    /// for j &lt; words.Count, and P(END | current = words[i]) in the last column. Each row sums to 1.
    /// </param>
    /// <exception cref="ArgumentException">
    /// The vocabulary is empty or malformed, a probability is negative or not finite, a row does not sum
    /// to 1 (within 1e-9), or END cannot be reached from some word (its rows could never terminate).
    /// </exception>
    /// <remarks>Rows summing to 1 within the tolerance are rescaled to sum to 1 exactly (up to rounding).</remarks>
    public MarkovTextSource(IReadOnlyList<string> words, IReadOnlyList<double> startProbabilities, IReadOnlyList<IReadOnlyList<double>> transitions)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(startProbabilities);
        ArgumentNullException.ThrowIfNull(transitions);

        int n = words.Count;
        if (n == 0) throw new ArgumentException("The vocabulary must contain at least one word.", nameof(words));
        _words = new string[n];
        _index = new Dictionary<string, int>(n, StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            string word = words[i] ?? throw new ArgumentException($"Word {i} is null.", nameof(words));
            if (word.Length == 0 || word.Any(char.IsWhiteSpace))
                throw new ArgumentException($"Word {i} ('{word}') must be non-empty and contain no white space, so rows can be parsed back.", nameof(words));
            if (!_index.TryAdd(word, i))
                throw new ArgumentException($"The word '{word}' appears more than once in the vocabulary.", nameof(words));
            _words[i] = word;
        }

        if (startProbabilities.Count != n)
            throw new ArgumentException($"The start distribution has {startProbabilities.Count} entries; expected one per word ({n}).", nameof(startProbabilities));
        _start = CheckedDistribution(startProbabilities, "The start distribution", nameof(startProbabilities));

        if (transitions.Count != n)
            throw new ArgumentException($"The transition table has {transitions.Count} rows; expected one per word ({n}).", nameof(transitions));
        _transitions = new double[n][];
        for (int i = 0; i < n; i++)
        {
            var row = transitions[i] ?? throw new ArgumentException($"The transition row for word '{_words[i]}' is null.", nameof(transitions));
            if (row.Count != n + 1)
                throw new ArgumentException(
                    $"The transition row for word '{_words[i]}' has {row.Count} entries; expected {n + 1} (one per word, then END).", nameof(transitions));
            _transitions[i] = CheckedDistribution(row, $"The transition row for word '{_words[i]}'", nameof(transitions));
        }
        RequireEndReachable();

        _startSampler = Sampler(_start);
        _samplers = _transitions.Select(Sampler).ToArray();

        double[] visits = ExpectedVisits();
        double entropy = RowEntropy(_start), wordCount = 0, characters = 0;
        for (int i = 0; i < n; i++)
        {
            entropy += visits[i] * RowEntropy(_transitions[i]);
            wordCount += visits[i];
            characters += visits[i] * _words[i].Length;
        }
        EntropyPerRow = entropy;
        ExpectedWordsPerRow = wordCount;
        ExpectedCharactersPerRow = characters + (wordCount - 1); // one space between consecutive words
    }

    /// <summary>
    /// The default English-like source: 36 lower-case words (determiners, adjectives, nouns, verbs,
    /// adverbs and "and") arranged as "determiner [adjective] noun verb determiner [adjective] noun
    /// [adverb]", optionally continued by "and" and another clause, e.g. "the quick fox sees her red hen".
    /// </summary>
    /// <param name="seed">Chooses each word's 2 to 6 successors and their probabilities.</param>
    /// <remarks>
    /// A clause has 5 to 8 words and a row about 1.1 clauses, so <see cref="ExpectedWordsPerRow"/> is
    /// about 7 and <see cref="ExpectedCharactersPerRow"/> about 33 to 36, depending on the seed (both are
    /// computed exactly). The only cycle passes through "and", which follows a clause with probability
    /// at most 0.2, so the tail decays geometrically: for seed 1, P(more than 20 words) ≈ 0.008 and
    /// P(more than 40 words) ≈ 1.5e-5; <see cref="ProbabilityOfMoreWordsThan"/> gives the exact values.
    /// </remarks>
    public static MarkovTextSource CreateDefault(int seed = 1)
    {
        var (words, start, transitions) = DefaultMarkovGrammar.Build(seed);
        return new MarkovTextSource(words, start, transitions);
    }

    /// <summary>The vocabulary, in table order.</summary>
    public IReadOnlyList<string> Words => _words;

    /// <summary>
    /// The exact Shannon entropy of a row in nats: E[−ln P(row)], the floor of the expected
    /// cross-entropy per row that no model of this source can beat.
    /// </summary>
    public double EntropyPerRow { get; }

    /// <summary>The exact expected number of words in a row (at least 1).</summary>
    public double ExpectedWordsPerRow { get; }

    /// <summary>
    /// The exact expected length of a rendered row in UTF-16 characters: the expected total length of
    /// its words plus <see cref="ExpectedWordsPerRow"/> − 1 separating spaces.
    /// </summary>
    public double ExpectedCharactersPerRow { get; }

    /// <summary>
    /// <see cref="EntropyPerRow"/> / (<see cref="ExpectedCharactersPerRow"/> + 1), in nats per symbol.
    /// </summary>
    /// <remarks>
    /// A character-level model predicts each character of a row and then one end-of-row symbol, so it
    /// makes (characters + 1) predictions per row. Its total cross-entropy per row is at least
    /// <see cref="EntropyPerRow"/>; dividing by the expected number of predictions gives the floor of
    /// its average per-symbol loss, when that average is taken as total loss over total symbols.
    /// </remarks>
    public double EntropyPerCharacter => EntropyPerRow / (ExpectedCharactersPerRow + 1);

    /// <summary>P(the first word of a row is <paramref name="word"/>); 0 for unknown words.</summary>
    public double StartProbability(string word) =>
        _index.TryGetValue(word ?? throw new ArgumentNullException(nameof(word)), out int i) ? _start[i] : 0;

    /// <summary>P(next word = <paramref name="to"/> | current word = <paramref name="from"/>); 0 for unknown words.</summary>
    public double TransitionProbability(string from, string to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        return _index.TryGetValue(from, out int i) && _index.TryGetValue(to, out int j) ? _transitions[i][j] : 0;
    }

    /// <summary>P(the row ends after <paramref name="word"/> | current word = <paramref name="word"/>); 0 for unknown words.</summary>
    public double EndProbability(string word) =>
        _index.TryGetValue(word ?? throw new ArgumentNullException(nameof(word)), out int i) ? _transitions[i][_words.Length] : 0;

    /// <summary>
    /// Draws <paramref name="rowCount"/> independent rows. The sequence is a deterministic function of
    /// the table and <paramref name="seed"/> (it uses <see cref="Random(int)"/>), and is produced lazily.
    /// </summary>
    public IEnumerable<string> Sample(int rowCount, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        return Iterate(rowCount, seed);

        IEnumerable<string> Iterate(int count, int s)
        {
            var rng = new Random(s);
            var builder = new System.Text.StringBuilder();
            for (int row = 0; row < count; row++)
            {
                builder.Clear();
                int state = Draw(rng, _startSampler);
                while (true)
                {
                    builder.Append(_words[state]);
                    int next = Draw(rng, _samplers[state]);
                    if (next == _words.Length) break;
                    builder.Append(' ');
                    state = next;
                }
                yield return builder.ToString();
            }
        }
    }

    /// <summary>
    /// The exact natural-log probability that a row renders as <paramref name="row"/>, or
    /// <see cref="double.NegativeInfinity"/> when no row does (unknown word, impossible transition,
    /// empty row, or spacing other than single spaces between words).
    /// </summary>
    public double LogProbability(string row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.Length == 0) return double.NegativeInfinity;
        double logProbability = 0;
        int previous = -1;
        foreach (string word in row.Split(' '))
        {
            if (!_index.TryGetValue(word, out int current)) return double.NegativeInfinity;
            double p = previous < 0 ? _start[current] : _transitions[previous][current];
            if (p == 0) return double.NegativeInfinity;
            logProbability += Math.Log(p);
            previous = current;
        }
        double end = _transitions[previous][_words.Length];
        return end == 0 ? double.NegativeInfinity : logProbability + Math.Log(end);
    }

    /// <summary>
    /// The exact probability that a row has more than <paramref name="words"/> words, by propagating
    /// the distribution of the current word forward (1 for <paramref name="words"/> = 0).
    /// </summary>
    public double ProbabilityOfMoreWordsThan(int words)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(words);
        int n = _words.Length;
        var mass = (double[])_start.Clone(); // P(row has at least k words and its k-th word is w), k = 1
        var next = new double[n];
        for (int k = 1; k <= words; k++)
        {
            Array.Clear(next);
            for (int i = 0; i < n; i++)
            {
                if (mass[i] == 0) continue;
                double[] row = _transitions[i];
                for (int j = 0; j < n; j++) next[j] += mass[i] * row[j];
            }
            (mass, next) = (next, mass);
        }
        return Math.Clamp(mass.Sum(), 0.0, 1.0);
    }

    private static double[] CheckedDistribution(IReadOnlyList<double> values, string what, string parameter)
    {
        var result = new double[values.Count];
        double sum = 0;
        for (int i = 0; i < result.Length; i++)
        {
            double p = values[i];
            if (!double.IsFinite(p) || p < 0)
                throw new ArgumentException($"{what} has an invalid probability {p} at index {i}; probabilities must be finite and non-negative.", parameter);
            result[i] = p;
            sum += p;
        }
        if (!(Math.Abs(sum - 1.0) <= SumTolerance))
            throw new ArgumentException($"{what} sums to {sum:R}, not 1 (tolerance {SumTolerance:G}).", parameter);
        for (int i = 0; i < result.Length; i++) result[i] /= sum;
        return result;
    }

    private void RequireEndReachable()
    {
        // Backward search from END over edges with positive probability.
        int n = _words.Length;
        var reaches = new bool[n];
        var frontier = new Queue<int>();
        for (int i = 0; i < n; i++)
            if (_transitions[i][n] > 0) { reaches[i] = true; frontier.Enqueue(i); }
        while (frontier.Count > 0)
        {
            int target = frontier.Dequeue();
            for (int i = 0; i < n; i++)
                if (!reaches[i] && _transitions[i][target] > 0) { reaches[i] = true; frontier.Enqueue(i); }
        }
        int stuck = Array.IndexOf(reaches, false);
        if (stuck >= 0)
            throw new ArgumentException(
                $"END is unreachable from the word '{_words[stuck]}': every word needs a path of positive probability to END, or rows through it would never end.",
                "transitions");
    }

    private double[] ExpectedVisits()
    {
        // v = π + Qᵀ v  ⇔  (I − Qᵀ) v = π, with Q[i, j] = P(next = j | current = i) over words only.
        int n = _words.Length;
        var system = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            system[i, i] += 1.0;
            for (int j = 0; j < n; j++) system[j, i] -= _transitions[i][j];
        }
        return DenseLinearSolver.Solve(system, _start);
    }

    private static double RowEntropy(double[] distribution)
    {
        double h = 0;
        foreach (double p in distribution)
            if (p > 0) h -= p * Math.Log(p);
        return h;
    }

    private static (int[] Targets, double[] Cumulative) Sampler(double[] distribution)
    {
        var targets = new List<int>();
        var cumulative = new List<double>();
        double running = 0;
        for (int i = 0; i < distribution.Length; i++)
        {
            if (distribution[i] <= 0) continue;
            running += distribution[i];
            targets.Add(i);
            cumulative.Add(running);
        }
        return (targets.ToArray(), cumulative.ToArray());
    }

    private static int Draw(Random rng, (int[] Targets, double[] Cumulative) sampler)
    {
        double u = rng.NextDouble() * sampler.Cumulative[^1];
        for (int k = 0; k < sampler.Targets.Length; k++)
            if (u < sampler.Cumulative[k]) return sampler.Targets[k];
        return sampler.Targets[^1];
    }
}
