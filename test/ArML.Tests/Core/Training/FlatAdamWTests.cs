using ArML.Torch;
using ArML.Trainers.Gpt;
using ArML.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Core.Training;

public class FlatAdamWTests
{
    private static GptModel Model()
    {
        TorchRuntime.EnsureInitialized();
        var model = new GptModel(new GptConfig(9, 8, 2, 2, 8, 0, true), seed: 11);
        model.to(ScalarType.Float64);
        return model;
    }

    private static bool Decays(string name, Tensor p) => p.dim() >= 2 && !name.StartsWith("wte.", StringComparison.Ordinal) && !name.StartsWith("wpe.", StringComparison.Ordinal);

    private static Tensor Loss(GptModel model, int step)
    {
        var random = new Random(step);
        var x = Enumerable.Range(0, 16).Select(_ => (long)random.Next(9)).ToArray();
        var y = Enumerable.Range(0, 16).Select(_ => (long)random.Next(9)).ToArray();
        return nn.functional.cross_entropy(model.call(tensor(x, [2, 8])).view(-1, 9), tensor(y));
    }

    // Each part on a thread of its own, as the GPT trainer's workers run them (no-grad mode is per thread).
    private sealed class ThreadPerPart(int count) : IThreadShards
    {
        public int Count => count;

        public void Run(Action<int> work)
        {
            var threads = Enumerable.Range(0, count).Select(k => new Thread(() => work(k))).ToArray();
            foreach (var t in threads) t.Start();
            foreach (var t in threads) t.Join();
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]   // three uneven parts of every buffer, each on its own thread
    public void MatchesTorchSharpsAdamWWithGroupsAndClipping(int parts)
    {
        using var reference = Model();
        using var flat = Model();
        var groups = new[]
        {
            new AdamW.ParamGroup(reference.named_parameters().Where(p => Decays(p.name, p.parameter)).Select(p => p.parameter), lr: 0.05, beta1: 0.9, beta2: 0.99, weight_decay: 0.1),
            new AdamW.ParamGroup(reference.named_parameters().Where(p => !Decays(p.name, p.parameter)).Select(p => p.parameter), lr: 0.05, beta1: 0.9, beta2: 0.99, weight_decay: 0),
        };
        var adamW = optim.AdamW(groups, 0.05, 0.9, 0.99);
        var decayed = flat.named_parameters().Where(p => Decays(p.name, p.parameter)).Select(p => (Tensor)p.parameter).ToList();
        var rest = flat.named_parameters().Where(p => !Decays(p.name, p.parameter)).Select(p => (Tensor)p.parameter).ToList();
        using var fused = new FlatAdamW([(decayed, 0.1), (rest, 0.0)], 0.9, 0.99) { Shards = parts > 0 ? new ThreadPerPart(parts) : null };

        for (int step = 0; step < 6; step++)
        {
            double lr = 0.05 * (step + 1) / 6;
            foreach (var g in adamW.ParamGroups) g.LearningRate = lr;
            adamW.zero_grad();
            using (var scope = NewDisposeScope()) Loss(reference, step).backward();
            double referenceNorm = nn.utils.clip_grad_norm_(reference.parameters(), 0.5);
            adamW.step();

            fused.ZeroGrad();
            using (var scope = NewDisposeScope()) Loss(flat, step).backward();
            double norm = fused.ClipGradNorm(0.5);
            fused.Step(lr);
            Assert.Equal(referenceNorm, norm, 1e-9);
        }
        var expected = reference.state_dict();
        foreach (var (name, actual) in flat.state_dict())
            Assert.True(allclose(expected[name], actual, rtol: 1e-9, atol: 1e-12), $"{name} differs");
    }

    [Fact]
    public void StateRoundTripsForResumption()
    {
        using var model = Model();
        var parameters = model.parameters().Select(p => (Tensor)p).ToList();
        using var first = new FlatAdamW([(parameters, 0.1)], 0.9, 0.99);
        first.ZeroGrad();
        using (var scope = NewDisposeScope()) Loss(model, 0).backward();
        first.Step(0.01);
        var state = first.State();
        Assert.Equal(1L, state["steps"].item<long>());
        Assert.True(state["m0"].abs().sum().item<double>() > 0);

        using var other = Model();
        using var second = new FlatAdamW([(other.parameters().Select(p => (Tensor)p).ToList(), 0.1)], 0.9, 0.99);
        second.Load(state);
        Assert.Equal(1, second.Steps);
        Assert.True(allclose(second.State()["v0"], state["v0"]));
        Assert.Throws<InvalidDataException>(() => second.Load(new Dictionary<string, Tensor> { ["steps"] = tensor(new[] { 1L }) }));
    }
}
