using ArML.Tests.Support;
using ArML.Torch;
using ArML.Trainers.Gpt;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers;

public class GptModelTests
{
    private static GptModel Tiny(PositionEncoding positions, ScalarType dtype = ScalarType.Float32)
    {
        TorchRuntime.EnsureInitialized();
        var model = new GptModel(new GptConfig(VocabularySize: 7, ContextLength: 6, LayerCount: 2, HeadCount: 2, EmbeddingSize: 8,
            Dropout: 0, Bias: true, positions), seed: 3);
        model.to(dtype);
        model.eval();
        return model;
    }

    private static double Loss(GptModel model, long[] x, long[] y)
    {
        using var scope = NewDisposeScope();
        var logits = model.call(tensor(x, [1, x.Length]));
        return nn.functional.cross_entropy(logits.view(-1, 7), tensor(y)).item<double>();
    }

    [Theory]
    [InlineData(PositionEncoding.Learned)]
    [InlineData(PositionEncoding.Rotary)]
    public void GradientsMatchFiniteDifferences(PositionEncoding positions)
    {
        using var model = Tiny(positions, ScalarType.Float64);
        long[] x = [1, 4, 2, 6, 0, 3];
        long[] y = [4, 2, 6, 0, 3, 5];
        using (var scope = NewDisposeScope())
        {
            var logits = model.call(tensor(x, [1, 6]));
            nn.functional.cross_entropy(logits.view(-1, 7), tensor(y)).backward();
        }
        int checkedEntries = FiniteDifferences.AssertGradients(model, () => Loss(model, x, y), entriesPerParameter: 2,
            absoluteTolerance: 1e-6, relativeTolerance: 1e-4);
        Assert.True(checkedEntries >= 20);
    }

    [Theory]
    [InlineData(PositionEncoding.Learned)]
    [InlineData(PositionEncoding.Rotary)]
    public void FutureTokensNeverChangePastPredictions(PositionEncoding positions)
    {
        using var model = Tiny(positions);
        long[] a = [1, 4, 2, 6, 0, 3];
        using var noGrad = no_grad();
        var before = model.call(tensor(a, [1, 6])).data<float>().ToArray();
        for (int changed = 1; changed < 6; changed++)
        {
            var b = (long[])a.Clone();
            b[changed] = (b[changed] + 3) % 7;
            var after = model.call(tensor(b, [1, 6])).data<float>().ToArray();
            for (int i = 0; i < changed * 7; i++) Assert.Equal(before[i], after[i]);          // positions before the change: identical
            Assert.NotEqual(before.Skip(changed * 7).Take(7), after.Skip(changed * 7).Take(7));   // the changed position does see it
        }
    }

    [Fact]
    public async Task InitialisationDependsOnTheSeedAloneEvenUnderConcurrency()
    {
        TorchRuntime.EnsureInitialized();
        var config = new GptConfig(9, 8, 2, 2, 8, 0, true);
        var models = new GptModel[6];
        using var stop = new CancellationTokenSource();
        // Another thread keeps reseeding torch's process-wide generator, as a concurrent training would.
        var noise = Task.Run(() => { while (!stop.IsCancellationRequested) { torch.manual_seed(99); using var _ = randn(64); } });
        Parallel.For(0, models.Length, i => models[i] = new GptModel(config, seed: i % 2 == 0 ? 5 : 6));
        stop.Cancel();
        await noise;
        var same = models[0].state_dict();
        var other = models[1].state_dict();
        foreach (var (name, tensor) in models[2].state_dict()) Assert.True(tensor.allclose(same[name], 0, 0), name);
        foreach (var (name, tensor) in models[3].state_dict()) Assert.True(tensor.allclose(other[name], 0, 0), name);
        Assert.False(same["wte.weight"].allclose(other["wte.weight"]));
        foreach (var m in models) m.Dispose();
    }

    [Fact]
    public void RotaryScoresDependOnRelativePositionOnly()
    {
        // Shifting queries and keys two positions right changes only their absolute positions: with rotary
        // embeddings the q·k products depend on the offset between positions alone, so they must not change.
        TorchRuntime.EnsureInitialized();
        var q = randn(1, 1, 5, 8, dtype: ScalarType.Float64);
        var k = randn(1, 1, 5, 8, dtype: ScalarType.Float64);
        var scores = matmul(Rotary.Apply(q), Rotary.Apply(k).transpose(2, 3));
        var shiftedQ = cat([zeros(1, 1, 2, 8, dtype: ScalarType.Float64), q], 2);
        var shiftedK = cat([zeros(1, 1, 2, 8, dtype: ScalarType.Float64), k], 2);
        var shifted = matmul(Rotary.Apply(shiftedQ), Rotary.Apply(shiftedK).transpose(2, 3)).narrow(2, 2, 5).narrow(3, 2, 5);
        Assert.True(allclose(scores, shifted, rtol: 1e-10, atol: 1e-12));
    }
}
