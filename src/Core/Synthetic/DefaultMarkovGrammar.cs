namespace ArML.Synthetic;

/// <summary>
/// Builds the transition table of <see cref="MarkovTextSource.CreateDefault"/>: a seeded, English-like
/// word chain of the shape
/// <c>subject-determiner [subject-adjective] subject-noun verb object-determiner [object-adjective]
/// object-noun [adverb] (END | "and" clause...)</c>.
/// </summary>
/// <remarks>
/// Every word class plays exactly one grammatical role, so a first-order chain over words can track
/// the position in the clause. The only cycle goes through "and", entered with probability at most
/// 0.10 from an object noun and at most 0.20 from an adverb, so a row has about 1.1 clauses on average
/// and the probability of very long rows decays geometrically in the number of clauses.
/// Which successors each word has (2 to 6 of them) and their probabilities are drawn from the seed.
/// </remarks>
internal static class DefaultMarkovGrammar
{
    private static readonly string[] SubjectDeterminers = ["the", "a", "my", "every"];
    private static readonly string[] SubjectAdjectives = ["quick", "lazy", "big"];
    private static readonly string[] SubjectNouns = ["fox", "dog", "cat", "farmer", "child", "bird"];
    private static readonly string[] Verbs = ["sees", "likes", "chases", "finds", "follows", "feeds"];
    private static readonly string[] ObjectDeterminers = ["her", "his", "some", "that"];
    private static readonly string[] ObjectAdjectives = ["red", "small", "sleepy"];
    private static readonly string[] ObjectNouns = ["hen", "horse", "apple", "ball", "goat", "boat"];
    private static readonly string[] Adverbs = ["today", "again", "slowly"];
    private const string Conjunction = "and";

    /// <summary>The words, start distribution and transition rows (last column END) for <paramref name="seed"/>.</summary>
    public static (string[] Words, double[] Start, double[][] Transitions) Build(int seed)
    {
        string[][] classes =
            [SubjectDeterminers, SubjectAdjectives, SubjectNouns, Verbs, ObjectDeterminers, ObjectAdjectives, ObjectNouns, Adverbs, [Conjunction]];
        string[] words = classes.SelectMany(c => c).ToArray();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < words.Length; i++) index.Add(words[i], i);
        int[] Ids(string[] group) => group.Select(w => index[w]).ToArray();

        int n = words.Length;
        int startState = n;
        var successors = new List<int>[n + 1];
        for (int i = 0; i <= n; i++) successors[i] = [];

        var rng = new Random(seed);
        int[] subjectDeterminers = Ids(SubjectDeterminers), subjectAdjectives = Ids(SubjectAdjectives),
            subjectNouns = Ids(SubjectNouns), verbs = Ids(Verbs), objectDeterminers = Ids(ObjectDeterminers),
            objectAdjectives = Ids(ObjectAdjectives), objectNouns = Ids(ObjectNouns), adverbs = Ids(Adverbs);
        int conjunction = index[Conjunction];

        Connect(rng, successors, [startState], subjectDeterminers, 2, 4, cover: true);
        Connect(rng, successors, subjectDeterminers, subjectAdjectives, 1, 2, cover: true);
        Connect(rng, successors, subjectDeterminers, subjectNouns, 2, 3, cover: true);
        Connect(rng, successors, subjectAdjectives, subjectNouns, 2, 4, cover: true);
        Connect(rng, successors, subjectNouns, verbs, 2, 4, cover: true);
        Connect(rng, successors, verbs, objectDeterminers, 2, 3, cover: true);
        Connect(rng, successors, objectDeterminers, objectAdjectives, 1, 2, cover: true);
        Connect(rng, successors, objectDeterminers, objectNouns, 2, 3, cover: true);
        Connect(rng, successors, objectAdjectives, objectNouns, 2, 4, cover: true);
        Connect(rng, successors, objectNouns, adverbs, 1, 2, cover: true);
        Connect(rng, successors, [conjunction], subjectDeterminers, 2, 3, cover: false);

        var start = new double[n];
        var transitions = new double[n][];
        for (int i = 0; i < n; i++) transitions[i] = new double[n + 1];

        SplitFreely(rng, successors[startState], start, 1.0);
        var isObjectNoun = new HashSet<int>(objectNouns);
        var isAdverb = new HashSet<int>(adverbs);
        for (int state = 0; state < n; state++)
        {
            double[] row = transitions[state];
            if (isObjectNoun.Contains(state))
            {
                // END and "and" get a reserved share; the adverbs split the rest.
                double end = 0.45 + 0.20 * rng.NextDouble();
                double and = 0.04 + 0.06 * rng.NextDouble();
                row[n] = end;
                row[conjunction] = and;
                SplitFreely(rng, successors[state], row, 1.0 - end - and);
            }
            else if (isAdverb.Contains(state))
            {
                double end = 0.80 + 0.15 * rng.NextDouble();
                row[n] = end;
                row[conjunction] = 1.0 - end;
            }
            else
            {
                SplitFreely(rng, successors[state], row, 1.0);
            }
        }
        return (words, start, transitions);
    }

    /// <summary>
    /// Gives every source between <paramref name="min"/> and <paramref name="max"/> successors from
    /// <paramref name="targets"/>. With <paramref name="cover"/>, the targets are first dealt round-robin
    /// to the sources so that every target has at least one predecessor.
    /// </summary>
    private static void Connect(Random rng, List<int>[] successors, int[] sources, int[] targets, int min, int max, bool cover)
    {
        var chosen = sources.ToDictionary(s => s, _ => new HashSet<int>());
        if (cover)
        {
            int[] shuffledSources = Shuffled(rng, sources), shuffledTargets = Shuffled(rng, targets);
            for (int i = 0; i < shuffledTargets.Length; i++)
                chosen[shuffledSources[i % shuffledSources.Length]].Add(shuffledTargets[i]);
        }
        foreach (int source in sources)
        {
            int wanted = Math.Min(rng.Next(min, max + 1), targets.Length);
            var set = chosen[source];
            while (set.Count < wanted) set.Add(targets[rng.Next(targets.Length)]);
            successors[source].AddRange(set.Order());
        }
    }

    /// <summary>
    /// Splits <paramref name="mass"/> over <paramref name="targets"/> with Dirichlet-like weights
    /// 0.3 + Exp(1), so no successor is vanishingly unlikely.
    /// </summary>
    private static void SplitFreely(Random rng, List<int> targets, double[] row, double mass)
    {
        var weights = new double[targets.Count];
        double total = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = 0.3 - Math.Log(1.0 - rng.NextDouble());
            total += weights[i];
        }
        for (int i = 0; i < weights.Length; i++)
            row[targets[i]] += mass * weights[i] / total;
    }

    private static int[] Shuffled(Random rng, int[] items)
    {
        var copy = (int[])items.Clone();
        for (int i = copy.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (copy[i], copy[j]) = (copy[j], copy[i]);
        }
        return copy;
    }
}
