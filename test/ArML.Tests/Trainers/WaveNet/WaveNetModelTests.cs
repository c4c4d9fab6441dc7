using ArML.Torch;
using ArML.Trainers.Stateful;
using ArML.Trainers.WaveNet;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers.WaveNet;

/// <summary>
/// The WaveNet network in float64 with random weights: causality and the receptive field by perturbation, and the
/// fast-WaveNet queues (one sample at a time) against reading the sequence whole and against recomputing each
/// prediction from its receptive field alone.
/// </summary>
public class WaveNetModelTests
{
    private const int T = 40;

    private static WaveNetModel Network()
    {
        TorchRuntime.EnsureInitialized();
        torch.manual_seed(5);
        var model = new WaveNetModel(new WaveNetConfig(VocabularySize: 7, DilationCycles: 2, LayersPerCycle: 3, ResidualChannels: 6, SkipChannels: 8));
        using (no_grad())
            foreach (var p in model.parameters()) p.copy_(KeptScalar.MulInPlace(randn(p.shape), 0.7));
        model.to(ScalarType.Float64);
        model.eval();
        return model;
    }

    private static long[] Sequence(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, T).Select(_ => (long)random.Next(7)).ToArray();
    }

    // Logits (T, V) of reading ids[start..end) from empty queues.
    private static double[][] Whole(WaveNetModel model, long[] ids)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var state = model.InitialState(1, CPU);
        var logits = model.Forward(tensor(ids, [1, ids.Length]), state).Logits[0];
        return Enumerable.Range(0, ids.Length).Select(i => logits[i].data<double>().ToArray()).ToArray();
    }

    [Fact]
    public void ThePredictionAtEachPositionDependsOnExactlyTheReceptiveFieldBeforeIt()
    {
        using var model = Network();
        int field = model.Config.ReceptiveField;
        Assert.Equal(1 + 2 * 7, field);
        var ids = Sequence(1);
        var before = Whole(model, ids);
        for (int j = 0; j < T; j++)
        {
            var perturbed = (long[])ids.Clone();
            perturbed[j] = (perturbed[j] + 1) % 7;
            var after = Whole(model, perturbed);
            for (int i = 0; i < T; i++)
            {
                bool changed = !before[i].SequenceEqual(after[i]);
                bool inField = i >= j && i - j < field;
                Assert.True(changed == inField, $"sample {j} {(changed ? "changed" : "did not change")} the prediction at {i} (receptive field {field})");
            }
        }
    }

    [Fact]
    public void CachedQueuesGiveTheLogitsOfReadingWholeAndOfRecomputingTheReceptiveField()
    {
        using var model = Network();
        int field = model.Config.ReceptiveField;
        var ids = Sequence(2);
        var whole = Whole(model, ids);
        using var noGrad = no_grad();
        var state = model.InitialState(1, CPU);
        for (int i = 0; i < T; i++)
        {
            using var scope = NewDisposeScope();
            var (logits, next) = model.Forward(tensor(new[] { ids[i] }, [1, 1]), state);
            state.Dispose();
            state = next.Detach();
            var cached = logits[0, 0].data<double>().ToArray();
            // Recomputation: only the last `field` samples, from empty queues.
            int start = Math.Max(0, i - field + 1);
            var recomputed = Whole(model, ids[start..(i + 1)])[^1];
            for (int k = 0; k < cached.Length; k++)
            {
                Assert.Equal(whole[i][k], cached[k], 1e-10);
                Assert.Equal(whole[i][k], recomputed[k], 1e-10);
            }
        }
        state.Dispose();
    }

    [Fact]
    public void PiecesOfAnyLengthCarryTheQueues()
    {
        using var model = Network();
        var ids = Sequence(3);
        var whole = Whole(model, ids);
        using var noGrad = no_grad();
        var state = model.InitialState(1, CPU);
        int position = 0;
        foreach (int length in new[] { 3, 1, 9, 2, 25 })
        {
            using var scope = NewDisposeScope();
            var (logits, next) = model.Forward(tensor(ids[position..(position + length)], [1, length]), state);
            state.Dispose();
            state = next.Detach();
            for (int i = 0; i < length; i++)
                Assert.Equal(whole[position + i], logits[0, i].data<double>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-10);
            position += length;
        }
        state.Dispose();
    }
}
