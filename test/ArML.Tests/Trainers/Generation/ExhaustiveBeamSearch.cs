using ArML.Trainers.Generation;
using Xunit;

namespace ArML.Tests.Trainers.Generation;

/// <summary>
/// Beam search against an exhaustive enumeration, for any <see cref="IStepDecodingModel"/>: three steps with a beam
/// per two-token prefix must return exactly the best hypotheses of the enumeration (rows that end within three tokens,
/// and three-token rows cut at the length limit), scored log P / length^penalty, for each length penalty.
/// </summary>
internal static class ExhaustiveBeamSearch
{
    /// <param name="model">The model decoded.</param>
    /// <param name="prompt">Token ids the hypotheses continue.</param>
    /// <param name="candidateLogProbabilities">
    /// The reference: given the tokens generated so far, the log-probabilities of every token and then of the end of
    /// the row, normalized over the candidates decoding may choose (−∞ for the others).
    /// </param>
    public static void AssertBeamsAreTheBestHypotheses(IStepDecodingModel model, int[] prompt, Func<int[], double[]> candidateLogProbabilities)
    {
        int tokens = model.TokenCount;
        var all = new List<(int[] Tokens, double LogP, int Length)>();
        void Expand(int[] row, double logP)
        {
            var next = candidateLogProbabilities(row);
            all.Add((row, logP + next[tokens], row.Length + 1));
            for (int t = 0; t < tokens; t++)
            {
                if (double.IsNegativeInfinity(next[t])) continue;
                if (row.Length == 2) all.Add(([.. row, t], logP + next[t], 3));
                else Expand([.. row, t], logP + next[t]);
            }
        }
        Expand([], 0);

        var generator = new TokenGenerator(model);
        var rankings = new List<string>();
        foreach (double penalty in new[] { 0.0, 1.0, 2.0 })
        {
            var best = all.OrderByDescending(h => h.LogP / Math.Pow(h.Length, penalty)).Take(3).Select(h => string.Join(",", h.Tokens)).ToList();
            var result = generator.Generate(prompt, new GenerationOptions
            {
                MaxNewTokens = 3, BeamCount = (tokens + 1) * (tokens + 1), NumberOfSequences = 3, LengthPenalty = penalty,
            });
            Assert.Equal(best, result.Select(s => string.Join(",", s.TokenIds)).ToList());
            Assert.Equal([0, 1, 2], result.Select(s => s.SequenceIndex));
            rankings.Add(string.Join(" | ", best));
        }
        Assert.True(rankings.Distinct().Count() >= 2,
            "the length penalty must change the ranking for this check to mean anything: " + string.Join(" / ", rankings));
    }

    /// <summary>Log-softmax over the candidates (tokens, then the end of the row) of a row of logits, in float64.</summary>
    public static double[] CandidateLogSoftmax(ReadOnlySpan<float> logits, IStepDecodingModel model)
    {
        var scores = new double[model.TokenCount + 1];
        for (int t = 0; t < model.TokenCount; t++) scores[t] = t == model.UnknownTokenId ? double.NegativeInfinity : logits[t];
        scores[model.TokenCount] = logits[model.EndOfRowId];
        double max = scores.Max();
        double log = max + Math.Log(scores.Sum(s => Math.Exp(s - max)));
        return scores.Select(s => s - log).ToArray();
    }
}
