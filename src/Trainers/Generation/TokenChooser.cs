using ArML.Training;

namespace ArML.Trainers.Generation;

/// <summary>
/// Turns one row's next-id logits into a choice (or, for beam search, log-probabilities) under
/// <see cref="GenerationOptions"/>: repetition penalty, n-gram bans, then arg-max or temperature, top-k, top-p, min-p
/// and a draw. Candidates are the tokens 0..K−1 and the end of the row; other ids (conditions) are never chosen, and
/// neither is the model's unknown token.
/// </summary>
/// <remarks>Holds scratch buffers: one instance per generation, used by one thread.</remarks>
internal sealed class TokenChooser
{
    private readonly GenerationOptions _options;
    private readonly int _tokens;
    private readonly int _end;
    private readonly int _unknown;
    private readonly double[] _scores;
    private readonly double[] _probabilities;
    private readonly int[] _order;
    private readonly bool[] _seen;

    public TokenChooser(GenerationOptions options, int tokenCount, int endOfRowId, int unknownTokenId = -1)
    {
        _options = options;
        _tokens = tokenCount;
        _end = endOfRowId;
        _unknown = unknownTokenId;
        _scores = new double[tokenCount + 1];
        _probabilities = new double[tokenCount + 1];
        _order = new int[tokenCount + 1];
        _seen = new bool[tokenCount];
    }

    /// <summary>Candidates: K tokens and the end of the row (candidate K).</summary>
    public int CandidateCount => _tokens + 1;

    /// <summary>The model id of candidate <paramref name="candidate"/>.</summary>
    public int IdOf(int candidate) => candidate == _tokens ? _end : candidate;

    /// <summary>
    /// Picks the next id of a row whose tokens so far (prompt and generated) are <paramref name="row"/>: the arg-max
    /// when greedy, otherwise a draw from <paramref name="random"/>.
    /// </summary>
    public int Choose(ReadOnlySpan<float> logits, IReadOnlyList<int> row, TrainingRandom random)
    {
        Score(logits, row);
        if (_options.IsGreedy) return IdOf(ArgMax(_scores));
        Probabilities();
        double total = 0;
        foreach (double p in _probabilities) total += p;
        double u = random.NextDouble() * total;
        int last = 0;
        for (int c = 0; c < _probabilities.Length; c++)
        {
            if (_probabilities[c] <= 0) continue;
            last = c;
            u -= _probabilities[c];
            if (u < 0) return IdOf(c);
        }
        return IdOf(last);   // rounding left u at or just above 0
    }

    /// <summary>Log-probabilities of every candidate after the penalties and bans (beam search); −∞ for banned ones.</summary>
    public void LogProbabilities(ReadOnlySpan<float> logits, IReadOnlyList<int> row, Span<double> destination)
    {
        Score(logits, row);
        double max = _scores.Max();
        double sum = 0;
        foreach (double s in _scores) sum += Math.Exp(s - max);
        double logNormalizer = max + Math.Log(sum);
        for (int c = 0; c < _scores.Length; c++) destination[c] = _scores[c] - logNormalizer;
    }

    // Logits of the candidates after the repetition penalty and the n-gram bans.
    private void Score(ReadOnlySpan<float> logits, IReadOnlyList<int> row)
    {
        for (int c = 0; c < _tokens; c++) _scores[c] = logits[c];
        _scores[_tokens] = logits[_end];
        if (_options.RepetitionPenalty is double penalty && penalty != 1)
        {
            Array.Clear(_seen);
            foreach (int id in row) _seen[id] = true;
            for (int c = 0; c < _tokens; c++)
                if (_seen[c]) _scores[c] = _scores[c] > 0 ? _scores[c] / penalty : _scores[c] * penalty;
        }
        if (_options.NoRepeatNGramSize is int n) RepeatedNGrams.Ban(row, n, _scores);
        if (_unknown >= 0 && _unknown < _tokens) _scores[_unknown] = double.NegativeInfinity;
    }

    // Tempered softmax, then top-k, top-p and min-p: the kept candidates' probabilities, others 0 (not renormalized).
    private void Probabilities()
    {
        double temperature = _options.Temperature ?? 1.0;
        double max = _scores.Max();
        double sum = 0;
        for (int c = 0; c < _scores.Length; c++) sum += _probabilities[c] = Math.Exp((_scores[c] - max) / temperature);
        for (int c = 0; c < _scores.Length; c++) _probabilities[c] /= sum;
        if (_options.TopK is int k && k < _scores.Length)
        {
            SortByProbability();
            for (int i = k; i < _order.Length; i++) _probabilities[_order[i]] = 0;
        }
        if (_options.TopP is double topP && topP < 1)
        {
            if (_options.TopK is null) SortByProbability();
            double kept = 0;
            foreach (int c in _order) kept += _probabilities[c];
            // The nucleus: the most likely candidates until their share of what top-k kept reaches top-p.
            double cumulative = 0;
            int i = 0;
            for (; i < _order.Length && cumulative < topP * kept; i++) cumulative += _probabilities[_order[i]];
            for (; i < _order.Length; i++) _probabilities[_order[i]] = 0;
        }
        if (_options.MinP is double minP && minP > 0)
        {
            double threshold = minP * _probabilities.Max();
            for (int c = 0; c < _probabilities.Length; c++)
                if (_probabilities[c] < threshold) _probabilities[c] = 0;
        }
    }

    // Most likely first; equal probabilities by id, so filtering is deterministic.
    private void SortByProbability()
    {
        for (int c = 0; c < _order.Length; c++) _order[c] = c;
        var probabilities = _probabilities;
        Array.Sort(_order, (a, b) => probabilities[b] != probabilities[a] ? probabilities[b].CompareTo(probabilities[a]) : a.CompareTo(b));
    }

    private static int ArgMax(double[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
