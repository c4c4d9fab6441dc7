using ArML.Trainers.NGram;
using Microsoft.ML;
using Xunit;
using static ArML.Tests.Trainers.NGram.NGramFixtures;

namespace ArML.Tests.Trainers.NGram;

public class NGramProbabilityTests
{
    private readonly MLContext _ml = new(seed: 1);

    public static TheoryData<NGramSmoothing, int, long[]?> Configurations() => new()
    {
        { NGramSmoothing.ModifiedKneserNey, 1, null },
        { NGramSmoothing.ModifiedKneserNey, 2, null },
        { NGramSmoothing.ModifiedKneserNey, 4, null },
        { NGramSmoothing.ModifiedKneserNey, 4, [0, 1, 2] },
        { NGramSmoothing.KneserNey, 3, null },
        { NGramSmoothing.KneserNey, 3, [0, 0, 1] },
        { NGramSmoothing.AddK, 3, null },
        { NGramSmoothing.AddK, 3, [0, 1] },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void EveryProbabilityEqualsTheReferenceImplementation(NGramSmoothing smoothing, int order, long[]? prune)
    {
        var rows = MarkovRows(60, seed: 3);
        var chain = Train(_ml, rows, new NGramTrainer.Options { Order = order, Smoothing = smoothing, AdditiveConstant = 0.5, PruneThresholds = prune });
        var model = chain.LastTransformer.Model;
        var reference = new ReferenceNGramModel(rows.Select(Words), order, smoothing, k: 0.5, thresholds: Thresholds(order, prune));

        int compared = 0;
        foreach (var context in Histories(rows, order))
            foreach (string word in reference.Predictable)
            {
                double expected = Math.Log10(reference.Probability(context, word));
                Assert.Equal(expected, model.Log10Probability(Ids(model, context), Id(model, word)), 2e-6);
                compared++;
            }
        Assert.True(compared > (order == 1 ? 20 : 500), $"only {compared} probabilities compared");

        // Whole rows through the transformer, one with a character the training never saw (scored as <unk>).
        string[] held = [.. MarkovRows(10, seed: 4), "zq!", ""];
        var scores = ArML.Tests.Support.TinyGpt.Scores(chain.Transform(ToDataView(_ml, held)));
        for (int i = 0; i < held.Length; i++)
        {
            Assert.Equal(held[i].Length + 1, scores[i].TokenCount);
            Assert.Equal(reference.Log10Sentence(Words(held[i])) * Math.Log(10), scores[i].LogLikelihood, 1e-4);
        }
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void ProbabilitiesSumToOneInEveryContextOfTheCorpus(NGramSmoothing smoothing, int order, long[]? prune)
    {
        var rows = MarkovRows(60, seed: 5);
        var model = Train(_ml, rows, new NGramTrainer.Options { Order = order, Smoothing = smoothing, PruneThresholds = prune }).LastTransformer.Model;
        var distribution = new double[model.VocabularySize];
        int contexts = 0;
        foreach (var context in Histories(rows, order).Append(["q", "z"]))   // plus one context never seen
        {
            var ids = Ids(model, context);
            double sum = 0;
            for (int w = 0; w < model.VocabularySize; w++)
                if (w != NGramLanguageModel.SentenceStartId) sum += Math.Pow(10, model.Log10Probability(ids, w));
            Assert.True(Math.Abs(sum - 1) < 1e-5, $"context '{string.Join(' ', context)}' sums to {sum}");

            // The sampler's whole-distribution path agrees word by word with the lookup path.
            var state = new int[order - 1];
            for (int length = 1; length <= state.Length; length++)
                state[length - 1] = length <= ids.Length ? model.Find(ids.AsSpan(ids.Length - length)) : -1;
            model.NextWordLog10Probabilities(state, distribution);
            for (int w = 0; w < model.VocabularySize; w++)
                Assert.Equal(model.Log10Probability(ids, w), distribution[w], 1e-6);
            contexts++;
        }
        Assert.True(contexts > (order == 1 ? 1 : 20), $"only {contexts} contexts checked");
        Assert.Equal(double.NegativeInfinity, model.Log10Probability([], NGramLanguageModel.SentenceStartId));
    }

    private static long[] Thresholds(int order, long[]? prune)
    {
        var t = new long[order + 1];
        if (prune is null) return t;
        for (int k = 1; k <= order; k++) t[k] = prune[Math.Min(k, prune.Length) - 1];
        return t;
    }
}
