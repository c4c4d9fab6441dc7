using ArML.Data;
using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using ArML.Trainers.Preference;
using Microsoft.ML;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers.Preference;

public sealed class DpoLossTests
{
    private const double Beta = 0.5;
    private static readonly TokenIdLayout Layout = new(PreferencePairs.KeyCount, 0);
    private static readonly GptConfig Config = new(Layout.Size, ContextLength: 10, LayerCount: 2, HeadCount: 2, EmbeddingSize: 8, Dropout: 0, Bias: true);

    private static PreferenceRows Rows(MLContext ml, PreferencePairs.Pair[] pairs, int context = 10) =>
        PreferenceRows.Read(ml.Data.LoadFromEnumerable(pairs), new DpoOptions(), TokenKeyMap.Identity(PreferencePairs.KeyCount), Layout, context);

    // log p(y|x) of one framed sequence, the hard way: one unpadded forward pass, float64 log-softmax, the response's targets summed in C#.
    private static double ResponseLogProbability(GptModel model, int[] framed, int start)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var inputs = tensor(framed[..^1].Select(i => (long)i).ToArray(), [1, framed.Length - 1]);
        var logp = nn.functional.log_softmax(model.call(inputs).to_type(ScalarType.Float64), -1)[0].data<double>().ToArray();
        double sum = 0;
        for (int target = start; target < framed.Length; target++) sum += logp[(target - 1) * Layout.Size + framed[target]];
        return sum;
    }

    private static (GptModel Policy, PreferenceRows Rows, DpoTrainingTask Task, ArmlHost Host) Setup(MLContext ml, ScalarType type, int[] picked)
    {
        var pairs = PreferencePairs.Pairs(8, seed: 2);
        pairs[3].Prompt = [];   // an empty prompt: the response follows the first SEP
        var rows = Rows(ml, pairs);
        var policy = new GptModel(Config, seed: 4);
        using var reference = new GptModel(Config, seed: 5);   // another network, so the log-ratios are not zero
        policy.to(type);
        reference.to(type);
        rows.ScoreReference(new GptLanguageModel(reference, Layout, CPU));
        var host = ArmlHost.Create(ml, "test");
        var task = new DpoTrainingTask(policy, rows, null, new DpoOptions { BatchSize = picked.Length, Beta = Beta }, host, 1, CPU);
        return (policy, rows, task, host);
    }

    [Fact]
    public void ResponsesAreFramedAfterTheirPromptAndOnlyTheyAreScored()
    {
        var ml = new MLContext(seed: 1);
        var pair = new PreferencePairs.Pair { Prompt = [4, 5, 6], Chosen = [7, 1], Rejected = [8, 9, 2] };
        var rows = Rows(ml, [pair]);
        int sep = Layout.Separator;
        Assert.Equal([sep, 3, 4, 5, 6, 0, sep], rows.Chosen[0]);
        Assert.Equal(4, rows.ChosenStarts[0]);
        Assert.Equal([sep, 3, 4, 5, 7, 8, 1, sep], rows.Rejected[0]);
        // A context of 6 leaves room for 6 − 1 − 3 = 2 prompt tokens before the rejected response: the last two are kept.
        var trimmed = Rows(ml, [pair], context: 6);
        Assert.Equal([sep, 4, 5, 7, 8, 1, sep], trimmed.Rejected[0]);
        Assert.Equal(3, trimmed.RejectedStarts[0]);
        Assert.Equal(1, trimmed.TrimmedPrompts);
    }

    [Fact]
    public void TheLossIsTheDpoFormulaOfTheNetworksOwnLogProbabilities()
    {
        var ml = new MLContext(seed: 1);
        var picked = new[] { 0, 3, 5, 7, 5 };
        var (policy, rows, task, host) = Setup(ml, ScalarType.Float64, picked);
        using var _ = policy;
        using var __ = host;
        policy.eval();
        double loss;
        double[] chosen, rejected;
        using (no_grad())
        {
            var losses = task.Losses(rows, picked);
            (loss, chosen, rejected) = (losses.Loss.item<double>(), losses.Chosen.data<double>().ToArray(), losses.Rejected.data<double>().ToArray());
        }
        double expected = 0;
        for (int i = 0; i < picked.Length; i++)
        {
            int r = picked[i];
            double w = ResponseLogProbability(policy, rows.Chosen[r], rows.ChosenStarts[r]);
            double l = ResponseLogProbability(policy, rows.Rejected[r], rows.RejectedStarts[r]);
            Assert.Equal(w, chosen[i], 1e-10);
            Assert.Equal(l, rejected[i], 1e-10);
            double margin = Beta * ((w - rows.ReferenceChosen[r]) - (l - rows.ReferenceRejected[r]));
            expected += -Math.Log(1 / (1 + Math.Exp(-margin)));
        }
        expected /= picked.Length;
        Assert.Equal(expected, loss, 1e-10);
        Assert.True(Math.Abs(loss - Math.Log(2)) > 1e-3, $"the reference differs from the policy, so the loss should leave ln 2: {loss}");

        var metrics = DpoMetrics.From(Beta, chosen, rejected, picked.Select(r => rows.ReferenceChosen[r]).ToArray(),
            picked.Select(r => rows.ReferenceRejected[r]).ToArray());
        Assert.Equal(expected, metrics.Loss, 1e-10);
        Assert.Equal(metrics.MeanChosenReward - metrics.MeanRejectedReward, metrics.MeanRewardMargin, 1e-12);
        Assert.Equal(metrics.MeanChosenReward / Beta, metrics.KullbackLeiblerEstimate, 1e-12);
    }

    [Fact]
    public void AgainstItselfTheLossIsLn2AndTheMetricsAreNeutral()
    {
        var ml = new MLContext(seed: 1);
        var picked = new[] { 1, 2, 6 };
        var (policy, rows, task, host) = Setup(ml, ScalarType.Float32, picked);
        using var _ = policy;
        using var __ = host;
        rows.ScoreReference(new GptLanguageModel(policy, Layout, CPU));   // the policy is its own reference
        using (no_grad())
        {
            var losses = task.Losses(rows, picked);
            var metrics = DpoMetrics.From(Beta, losses.Chosen.to_type(ScalarType.Float64).data<double>().ToArray(),
                losses.Rejected.to_type(ScalarType.Float64).data<double>().ToArray(),
                picked.Select(r => rows.ReferenceChosen[r]).ToArray(), picked.Select(r => rows.ReferenceRejected[r]).ToArray());
            // Two float32 paths (batched training, windowed scoring) of the same sequences: log-ratios of rounding size only.
            double tolerance = Float32Rounding.RowScore(8, 20, Config.EmbeddingSize * 4, Layout.Size);
            Assert.Equal(Math.Log(2), losses.Loss.item<float>(), Beta * 2 * tolerance + 1e-7);
            Assert.Equal(0, metrics.KullbackLeiblerEstimate, tolerance);
        }
    }

    [Fact]
    public void GradientsMatchFiniteDifferencesInFloat64()
    {
        var ml = new MLContext(seed: 1);
        var picked = new[] { 0, 3, 6, 2 };   // prompts and responses of different lengths: padding in the batch
        var (policy, rows, task, host) = Setup(ml, ScalarType.Float64, picked);
        using var _ = policy;
        using var __ = host;
        policy.train();   // dropout is 0: training mode only keeps the graph
        task.Losses(rows, picked).Loss.backward();
        double Loss()
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            return task.Losses(rows, picked).Loss.item<double>();
        }
        int checkedEntries = FiniteDifferences.AssertGradients(policy, Loss, entriesPerParameter: 2, absoluteTolerance: 1e-8, relativeTolerance: 1e-5);
        Assert.True(checkedEntries >= 40);
    }
}
