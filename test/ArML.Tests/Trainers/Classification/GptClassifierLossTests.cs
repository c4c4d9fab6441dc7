using ArML.Data;
using ArML.Tests.Support;
using ArML.Torch;
using ArML.Trainers.Classification;
using ArML.Trainers.Gpt;
using Microsoft.ML;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers.Classification;

public sealed class GptClassifierLossTests
{
    private static readonly GptConfig Config = new(VocabularySize: 0, ContextLength: 16, LayerCount: 2, HeadCount: 2, EmbeddingSize: 8, Dropout: 0, Bias: true);

    private static (ClassifierRows Rows, GptClassifierNetwork Network) Setup(ScalarType type)
    {
        var ml = new MLContext(seed: 1);
        var rows = ClassifierRows.Read(PlantedRows.Load(ml, PlantedRows.Multiclass(12, seed: 3)), "Tokens", "Label", 3, Config.ContextLength,
            map: null, UnseenKeyPolicy.ScoreAsUnknown);
        var network = new GptClassifierNetwork(new GptModel(Config with { VocabularySize = rows.Layout.Size }, seed: 4), 3, seed: 4);
        // The head starts at 0.02 scale; larger weights make the task loss depend on the network visibly.
        using (no_grad()) KeptScalar.MulInPlace(network.Head.weight!, 50);
        network.to(type);
        return (rows, network);
    }

    [Fact]
    public void TheAuxiliaryLossIsLambdaTimesTheLanguageModelsOwnLoss()
    {
        var (rows, network) = Setup(ScalarType.Float32);
        using var _ = network;
        var picked = Enumerable.Range(0, rows.Count).ToArray();
        var task = new GptClassifierTrainingTask(network, rows, null, rows.Count, lambda: 0.5, 1, 1, CPU);
        network.eval();
        double total, taskLoss;
        using (no_grad())
        {
            var losses = task.Losses(rows, picked);
            (total, taskLoss) = (losses.Total.item<float>(), losses.Task.item<float>());
        }
        // The separate LM pass: the same network scored as a language model (its own framing and scoring code) over the
        // same rows, in float64 sums: the LM loss is the mean negative log-likelihood per predicted token.
        var lm = new GptLanguageModel(network.Gpt, rows.Layout, CPU);
        var tokens = rows.Framed.Select(f => f[1..^1]).ToArray();
        var logLikelihoods = new double[rows.Count];
        var counts = new int[rows.Count];
        lm.Score(tokens, tokens.Select(t => t.Length).ToArray(), Config.ContextLength, logLikelihoods, counts);
        double lmLoss = -logLikelihoods.Sum() / counts.Sum();
        double tolerance = Float32Rounding.Sum(counts.Sum(), Config.EmbeddingSize * 4, lmLoss + Math.Log(rows.Layout.Size)) + Float32Rounding.Sum(rows.Count, 8, taskLoss);
        Assert.Equal(0.5 * lmLoss, total - taskLoss, tolerance);
        Assert.True(lmLoss > 1, $"an untrained LM's loss should be near ln V, is {lmLoss}");

        var plain = new GptClassifierTrainingTask(network, rows, null, rows.Count, lambda: 0, 1, 1, CPU);
        using (no_grad())
        {
            var losses = plain.Losses(rows, picked);
            Assert.Null(losses.LanguageModel);
            Assert.Equal(taskLoss, losses.Total.item<float>());
        }
    }

    [Fact]
    public void TheBalancedTaskLossWeighsEachClassByItsInverseFrequency()
    {
        var (rows, network) = Setup(ScalarType.Float64);
        using var _ = network;
        network.eval();
        var labels = rows.Labels;
        // By hand: n / (K · n_k) for the classes present; the rows' weights then sum to n (every class weighs n / K).
        var counts = Enumerable.Range(0, 3).Select(k => labels.Count(l => l == k)).ToArray();
        Assert.True(counts.Distinct().Count() > 1, "the planted rows should be unbalanced for this test to mean anything");
        var expected = counts.Select(c => c == 0 ? 0 : labels.Length / (double)(counts.Count(n => n > 0) * c)).ToArray();
        var weights = GptClassifierTrainingTask.BalancedClassWeights(labels, 3);
        Assert.Equal(expected, weights);
        Assert.Equal(labels.Length, labels.Sum(l => weights[l]), 1e-12);
        Assert.Equal([1.0, 0.0, 1.0], GptClassifierTrainingTask.BalancedClassWeights([0, 2, 2, 0], 3));

        var picked = Enumerable.Range(0, rows.Count).ToArray();
        var task = new GptClassifierTrainingTask(network, rows, null, rows.Count, lambda: 0, 1, 1, CPU, weights);
        double loss;
        double[] logits;
        using (no_grad())
        {
            loss = task.Losses(rows, picked).Task.item<double>();
            var (ids, last, _, _, _) = ClassifierBatch.Build(rows.Framed, picked, CPU, withTargets: false);
            logits = network.Forward(ids, last).ClassLogits.data<double>().ToArray();
        }
        // The weighted mean of −log softmax at each row's label, in float64 from the logits.
        double sum = 0, weightSum = 0;
        for (int r = 0; r < rows.Count; r++)
        {
            var row = logits.AsSpan(3 * r, 3).ToArray();
            double max = row.Max();
            double logSumExp = max + Math.Log(row.Sum(z => Math.Exp(z - max)));
            sum += weights[labels[r]] * (logSumExp - row[labels[r]]);
            weightSum += weights[labels[r]];
        }
        Assert.Equal(sum / weightSum, loss, 1e-12);
        var plain = new GptClassifierTrainingTask(network, rows, null, rows.Count, lambda: 0, 1, 1, CPU);
        using (no_grad())
            Assert.NotEqual(loss, plain.Losses(rows, picked).Task.item<double>(), 1e-6);
    }

    [Fact]
    public void GradientsMatchFiniteDifferencesInFloat64()
    {
        var (rows, network) = Setup(ScalarType.Float64);
        using var _ = network;
        var picked = new[] { 0, 3, 5, 7 };   // rows of different lengths: padding in the batch
        var task = new GptClassifierTrainingTask(network, rows, null, picked.Length, lambda: 0.5, 1, 1, CPU);
        network.train();   // dropout is 0: training mode only keeps the graph
        task.Losses(rows, picked).Total.backward();
        double Loss()
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            return task.Losses(rows, picked).Total.item<double>();
        }
        int checkedEntries = FiniteDifferences.AssertGradients(network, Loss, entriesPerParameter: 2, absoluteTolerance: 1e-7, relativeTolerance: 1e-5);
        Assert.True(checkedEntries >= 40);
    }
}
