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

    // The step raises second moments under a floor before the square root (MKL's path for zeros is 25 times slower):
    // every update must still be bit for bit what the plain formula gives, for zeros, denormals, values on both sides
    // of the floor and ordinary ones, at the first step (c₂ smallest) and later, and where no floor fits (tiny ε).
    [Theory]
    [InlineData(1e-8, 0L, ScalarType.Float32)]
    [InlineData(1e-8, 40L, ScalarType.Float32)]
    [InlineData(1e-6, 3L, ScalarType.Float32)]
    [InlineData(1e-13, 2L, ScalarType.Float32)]
    [InlineData(1e-8, 0L, ScalarType.Float64)]
    [InlineData(1e-8, 40L, ScalarType.Float64)]
    public void UpdatesAreThePlainFormulasForSecondMomentsOfAnySize(double epsilon, long steps, ScalarType type)
    {
        TorchRuntime.EnsureInitialized();
        const double beta1 = 0.9, beta2 = 0.99, learningRate = 0.01;
        double correction1 = 1 - Math.Pow(beta1, steps + 1), correction2 = 1 - Math.Pow(beta2, steps + 1);
        double e = epsilon * Math.Sqrt(correction2);
        var moments = new List<double> { 0, double.Epsilon, float.Epsilon, 1e-40, 1.2e-38, 1, 3e-5 };
        for (int k = -1200; k <= 400; k++) moments.Add(e * e * Math.Pow(2, k / 8.0));
        var second = moments.Concat(moments).ToArray();   // each value twice: with a zero gradient and with a tiny one
        int n = second.Length;
        var gradient = Enumerable.Range(0, n).Select(i => i < n / 2 ? 0 : Math.Sqrt(second[i]) * 0.5).ToArray();
        var first = Enumerable.Range(0, n).Select(i => i % 3 == 0 ? 1 : 1e-12).ToArray();
        Tensor Of(double[] values) => tensor(values).to_type(type);   // in float32, rounded (tiny values to zero)

        using var parameter = zeros(n, dtype: type).requires_grad_();
        using var optimizer = new FlatAdamW([([parameter], 0.0)], beta1, beta2, epsilon);
        optimizer.Load(new Dictionary<string, Tensor> { ["steps"] = tensor(new[] { steps }), ["m0"] = Of(first), ["v0"] = Of(second) });
        using (no_grad()) parameter.grad!.copy_(Of(gradient));
        optimizer.Step(learningRate);

        // The plain formula, operation for operation as the step had it before the floor.
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (values, m, v, g) = (zeros(n, dtype: type), Of(first), Of(second), Of(gradient));
        using var beta2Scalar = beta2.ToScalar();
        using var oneMinusBeta2 = (1 - beta2).ToScalar();
        using var epsilonScalar = e.ToScalar();
        using var stepSize = (-learningRate * Math.Sqrt(correction2) / correction1).ToScalar();
        using var oneMinusBeta1 = tensor(1 - beta1);   // a tensor weight, as the step passes it
        m.lerp_(g, oneMinusBeta1);
        v.mul_(beta2Scalar).addcmul_(g, g, value: oneMinusBeta2);
        values.addcdiv_(m, KeptScalar.AddInPlace(v.sqrt(), epsilonScalar), value: stepSize);

        // Compared as float64 (exact for float32): NaN-free, so equality is bit for bit up to the sign of zero.
        static double[] Values(Tensor t) => t.detach().to_type(ScalarType.Float64).data<double>().ToArray();
        Assert.Equal(Values(values), Values(parameter));
        Assert.Equal(Values(v), Values(optimizer.State()["v0"]));   // the state itself is not raised
    }
}
