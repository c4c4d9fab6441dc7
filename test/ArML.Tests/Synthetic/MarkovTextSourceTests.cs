using ArML.Synthetic;
using Xunit;

namespace ArML.Tests.Synthetic;

public class MarkovTextSourceTests
{
    // Hand-made chain over two words, a = "yes" and b = "no":
    //   START -> yes with p = 1/4, START -> no with 1 - p = 3/4
    //   yes   -> yes with q = 1/2, yes -> END with 1 - q      (yes -> no impossible)
    //   no    -> yes with r = 1/5, no  -> END with 1 - r      (no -> no impossible)
    private const double P = 0.25, Q = 0.5, R = 0.2;

    private static MarkovTextSource YesNoChain() => new(
        ["yes", "no"],
        [P, 1 - P],
        [
            [Q, 0, 1 - Q],
            [R, 0, 1 - R],
        ]);

    [Fact]
    public void HandMadeChainMatchesClosedFormEntropy()
    {
        // The possible rows form three families:
        //   A: "yes^k"      (k >= 1)  P = p (1-q) q^(k-1)
        //   B: "no"                   P = (1-p)(1-r)
        //   C: "no yes^k"   (k >= 1)  P = (1-p) r (1-q) q^(k-1)
        // For a family P_k = c (1-q) q^(k-1) (total mass c):
        //   -sum_k P_k ln P_k = -sum_k c (1-q) q^(k-1) [ln(c (1-q)) + (k-1) ln q]
        //                     = -c [ln(c (1-q)) + (q/(1-q)) ln q],
        // using sum_k (1-q) q^(k-1) = 1 and sum_k (k-1)(1-q) q^(k-1) = q/(1-q) (mean of a geometric).
        // Hence H = -p [ln(p(1-q)) + q/(1-q) ln q]
        //           -(1-p)(1-r) ln((1-p)(1-r))
        //           -(1-p) r [ln((1-p) r (1-q)) + q/(1-q) ln q].
        // With p = 1/4, q = 1/2, r = 1/5: H = (1/4) ln 16 - (3/5) ln(3/5) + (3/20) ln(80/3) ≈ 1.49213.
        double geometric = Q / (1 - Q) * Math.Log(Q);
        double expected =
            -P * (Math.Log(P * (1 - Q)) + geometric)
            - (1 - P) * (1 - R) * Math.Log((1 - P) * (1 - R))
            - (1 - P) * R * (Math.Log((1 - P) * R * (1 - Q)) + geometric);
        Assert.Equal(0.25 * Math.Log(16) - 0.6 * Math.Log(0.6) + 0.15 * Math.Log(80.0 / 3), expected, 1e-14);

        var source = YesNoChain();
        Assert.Equal(expected, source.EntropyPerRow, 1e-12);

        // Expected words: A contributes p / (1-q) = 1/2, B (1-p)(1-r) = 3/5, C (1-p) r (1 + 1/(1-q)) = 9/20: 1.55 in all.
        Assert.Equal(1.55, source.ExpectedWordsPerRow, 1e-12);
        // Visits: yes 0.8 (= 1/2 + 3/20 * 2), no 0.75. Characters: 0.8*3 + 0.75*2 + (1.55 - 1) spaces = 4.45.
        Assert.Equal(4.45, source.ExpectedCharactersPerRow, 1e-12);
        Assert.Equal(expected / 5.45, source.EntropyPerCharacter, 1e-12);

        // Spot-check LogProbability against the family formulas.
        Assert.Equal(Math.Log(P * (1 - Q) * Q * Q), source.LogProbability("yes yes yes"), 1e-12);
        Assert.Equal(Math.Log((1 - P) * (1 - R)), source.LogProbability("no"), 1e-12);
        Assert.Equal(Math.Log((1 - P) * R * (1 - Q) * Q), source.LogProbability("no yes yes"), 1e-12);
    }

    [Fact]
    public void DefaultSourceExpectationsMatchMonteCarlo()
    {
        var source = MarkovTextSource.CreateDefault(1);
        const int rows = 20_000;
        var surprisal = new double[rows];
        var words = new double[rows];
        var characters = new double[rows];
        int i = 0;
        foreach (string row in source.Sample(rows, seed: 12345))
        {
            surprisal[i] = -source.LogProbability(row);
            words[i] = row.Split(' ').Length;
            characters[i] = row.Length;
            i++;
        }
        Assert.Equal(rows, i);
        Assert.All(surprisal, s => Assert.True(double.IsFinite(s)));

        AssertWithinStandardErrors(surprisal, source.EntropyPerRow, "entropy per row");
        AssertWithinStandardErrors(words, source.ExpectedWordsPerRow, "words per row");
        AssertWithinStandardErrors(characters, source.ExpectedCharactersPerRow, "characters per row");
    }

    private static void AssertWithinStandardErrors(double[] sample, double exact, string what)
    {
        double mean = sample.Average();
        double variance = sample.Sum(x => (x - mean) * (x - mean)) / (sample.Length - 1);
        double standardError = Math.Sqrt(variance / sample.Length);
        Assert.True(standardError > 0, $"{what}: degenerate sample");
        Assert.True(Math.Abs(mean - exact) < 4 * standardError,
            $"{what}: Monte Carlo mean {mean} vs exact {exact} (standard error {standardError})");
    }

    [Fact]
    public void DefaultSourceVisitsMatchFixedPointIteration()
    {
        // Independent of the linear solver: iterate v <- pi + Q^T v, which converges because END is reachable.
        var source = MarkovTextSource.CreateDefault(1);
        var vocabulary = source.Words;
        int n = vocabulary.Count;
        var visits = new double[n];
        for (int iteration = 0; iteration < 2000; iteration++)
        {
            var next = new double[n];
            for (int j = 0; j < n; j++) next[j] = source.StartProbability(vocabulary[j]);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    next[j] += visits[i] * source.TransitionProbability(vocabulary[i], vocabulary[j]);
            visits = next;
        }
        double entropy = Entropy(vocabulary.Select(source.StartProbability));
        for (int i = 0; i < n; i++)
        {
            var row = vocabulary.Select(w => source.TransitionProbability(vocabulary[i], w)).Append(source.EndProbability(vocabulary[i]));
            entropy += visits[i] * Entropy(row);
        }
        double expectedWords = visits.Sum();
        double expectedCharacters = visits.Select((v, i) => v * vocabulary[i].Length).Sum() + expectedWords - 1;

        Assert.Equal(entropy, source.EntropyPerRow, 1e-10);
        Assert.Equal(expectedWords, source.ExpectedWordsPerRow, 1e-10);
        Assert.Equal(expectedCharacters, source.ExpectedCharactersPerRow, 1e-10);
    }

    private static double Entropy(IEnumerable<double> distribution) =>
        distribution.Where(p => p > 0).Sum(p => -p * Math.Log(p));

    [Fact]
    public void DefaultSourceHasTheDocumentedShape()
    {
        var source = MarkovTextSource.CreateDefault(1);
        var vocabulary = source.Words;
        Assert.InRange(vocabulary.Count, 20, 40);
        Assert.All(vocabulary, w => Assert.Matches("^[a-z]+$", w));

        // Every word has 2..6 successors (END included) and is reachable from START.
        foreach (string from in vocabulary)
        {
            int successors = vocabulary.Count(to => source.TransitionProbability(from, to) > 0) + (source.EndProbability(from) > 0 ? 1 : 0);
            Assert.InRange(successors, 2, 6);
        }
        var reached = new HashSet<string>(vocabulary.Where(w => source.StartProbability(w) > 0));
        var frontier = new Queue<string>(reached);
        while (frontier.Count > 0)
        {
            string from = frontier.Dequeue();
            foreach (string to in vocabulary)
                if (source.TransitionProbability(from, to) > 0 && reached.Add(to)) frontier.Enqueue(to);
        }
        Assert.Equal(vocabulary.Count, reached.Count);

        Assert.InRange(source.ExpectedWordsPerRow, 6, 12);
        Assert.InRange(source.ExpectedCharactersPerRow, 30, 70);
        Assert.InRange(source.ProbabilityOfMoreWordsThan(40), 0, 1e-4);
        Assert.Equal(1.0, source.ProbabilityOfMoreWordsThan(0));
        Assert.Equal(1.0, source.ProbabilityOfMoreWordsThan(4), 1e-12); // a clause has at least five words
        Assert.True(source.ProbabilityOfMoreWordsThan(5) < 1);
    }

    [Fact]
    public void ProbabilitiesOfAllShortRowsSumToOneMinusTheLengthTail()
    {
        string[] vocabulary = ["x", "y", "z"];
        double[] start = [0.5, 0.3, 0.2];
        double[][] transitions =
        [
            [0.2, 0.2, 0.1, 0.5],
            [0.3, 0.0, 0.1, 0.6],
            [0.1, 0.2, 0.2, 0.5],
        ];
        var source = new MarkovTextSource(vocabulary, start, transitions);
        const int maxWords = 9;

        // Brute force over every word sequence of 1..maxWords words (3 + 9 + ... + 3^9 rows).
        double total = 0;
        var rows = new List<string>(vocabulary);
        for (int length = 1; length <= maxWords; length++)
        {
            foreach (string row in rows) total += Math.Exp(source.LogProbability(row));
            if (length < maxWords) rows = rows.SelectMany(r => vocabulary.Select(w => r + " " + w)).ToList();
        }

        // P(more than maxWords words), computed independently: push the start distribution through the
        // word-to-word block maxWords - 1 times, then the mass still in the chain after word maxWords is
        // the mass that does not stop there.
        var mass = (double[])start.Clone();
        for (int step = 1; step < maxWords; step++)
        {
            var next = new double[3];
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) next[j] += mass[i] * transitions[i][j];
            mass = next;
        }
        double tail = Enumerable.Range(0, 3).Sum(i => mass[i] * (1 - transitions[i][3]));

        Assert.Equal(1.0, total + tail, 1e-12);
        Assert.Equal(tail, source.ProbabilityOfMoreWordsThan(maxWords), 1e-12);
        // Every state ends with probability >= 1/2, so the tail is at most 2^-maxWords.
        Assert.InRange(total, 1 - Math.Pow(0.5, maxWords), 1.0 + 1e-12);
    }

    [Fact]
    public void SamplingIsDeterministicGivenTheSeed()
    {
        var source = MarkovTextSource.CreateDefault(1);
        var first = source.Sample(200, seed: 7).ToList();
        Assert.Equal(first, source.Sample(200, seed: 7).ToList());
        Assert.Equal(first, MarkovTextSource.CreateDefault(1).Sample(200, seed: 7).ToList());
        Assert.NotEqual(first, source.Sample(200, seed: 8).ToList());
        Assert.True(first.Distinct().Count() > 100, "rows should vary");
        Assert.All(first, row => Assert.True(double.IsFinite(source.LogProbability(row)), row));
        Assert.Empty(source.Sample(0, seed: 7));

        var other = MarkovTextSource.CreateDefault(2);
        Assert.Equal(source.Words, other.Words);
        Assert.NotEqual(source.EntropyPerRow, other.EntropyPerRow);
    }

    [Fact]
    public void ImpossibleRowsHaveNegativeInfiniteLogProbability()
    {
        var source = YesNoChain();
        Assert.True(double.IsFinite(source.LogProbability("no yes")));
        Assert.Equal(double.NegativeInfinity, source.LogProbability("yes no"));     // yes -> no impossible
        Assert.Equal(double.NegativeInfinity, source.LogProbability("no no"));      // no -> no impossible
        Assert.Equal(double.NegativeInfinity, source.LogProbability("yes maybe"));  // unknown word
        Assert.Equal(double.NegativeInfinity, source.LogProbability(""));
        Assert.Equal(double.NegativeInfinity, source.LogProbability("no  yes"));
        Assert.Equal(double.NegativeInfinity, source.LogProbability(" no"));
        Assert.Equal(double.NegativeInfinity, source.LogProbability("no "));
        Assert.Equal(double.NegativeInfinity, source.LogProbability("Yes"));

        // A word that cannot end a row, and one that cannot start it.
        var chain = new MarkovTextSource(["open", "close"], [1, 0], [[0, 1, 0], [0, 0, 1]]);
        Assert.Equal(0.0, chain.LogProbability("open close"));
        Assert.Equal(double.NegativeInfinity, chain.LogProbability("open"));
        Assert.Equal(double.NegativeInfinity, chain.LogProbability("close"));

        var defaultSource = MarkovTextSource.CreateDefault();
        Assert.Equal(double.NegativeInfinity, defaultSource.LogProbability("the zebra sees her hen"));
    }

    [Fact]
    public void BadTablesAreRejectedWithClearMessages()
    {
        var notNormalized = Assert.Throws<ArgumentException>(() =>
            new MarkovTextSource(["a", "b"], [0.5, 0.5], [[0.2, 0.2, 0.5], [0.5, 0, 0.5]]));
        Assert.Contains("'a' sums to 0.9", notNormalized.Message);

        var badStart = Assert.Throws<ArgumentException>(() =>
            new MarkovTextSource(["a", "b"], [0.5, 0.6], [[0, 0, 1], [0, 0, 1]]));
        Assert.Contains("start distribution sums to", badStart.Message);

        // "b" only loops to itself: END is unreachable from it (even though START never reaches it).
        var trapped = Assert.Throws<ArgumentException>(() =>
            new MarkovTextSource(["a", "b"], [1, 0], [[0.5, 0, 0.5], [0, 1, 0]]));
        Assert.Contains("END is unreachable from the word 'b'", trapped.Message);

        // A cycle a <-> b without an exit.
        var cycle = Assert.Throws<ArgumentException>(() =>
            new MarkovTextSource(["a", "b", "c"], [1, 0, 0], [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]]));
        Assert.Contains("END is unreachable", cycle.Message);

        Assert.Contains("non-negative", Assert.Throws<ArgumentException>(() =>
            new MarkovTextSource(["a"], [1], [[-0.5, 1.5]])).Message);
        Assert.Contains("non-negative", Assert.Throws<ArgumentException>(() =>
            new MarkovTextSource(["a"], [1], [[double.NaN, 1]])).Message);
        Assert.Contains("more than once", Assert.Throws<ArgumentException>(() =>
            new MarkovTextSource(["a", "a"], [1, 0], [[0, 0, 1], [0, 0, 1]])).Message);
        Assert.Contains("white space", Assert.Throws<ArgumentException>(() =>
            new MarkovTextSource(["a b"], [1], [[0, 1]])).Message);
        Assert.Contains("white space", Assert.Throws<ArgumentException>(() =>
            new MarkovTextSource([""], [1], [[0, 1]])).Message);
        Assert.Contains("then END", Assert.Throws<ArgumentException>(() =>
            new MarkovTextSource(["a"], [1], [[1.0]])).Message);
        Assert.Contains("one per word", Assert.Throws<ArgumentException>(() =>
            new MarkovTextSource(["a"], [0.5, 0.5], [[0, 1]])).Message);
        Assert.Throws<ArgumentException>(() => new MarkovTextSource([], [], []));
    }
}
