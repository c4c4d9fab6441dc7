using ArML.Torch;
using ArML.Training;
using Microsoft.ML;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Core.Training;

/// <summary>
/// A loss can be finite while its gradient is not (an overflow in the backward pass). Training must stop with the
/// iteration named, before the weights are spoiled or, without clipping, before a checkpoint keeps spoiled weights.
/// </summary>
public class NonFiniteGradientTests
{
    public NonFiniteGradientTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void WithClippingTrainingStopsBeforeTheStepAndTheWeightsStayFinite()
    {
        using var task = new FlakyGradientTask(goodSteps: 0);
        var error = Assert.Throws<InvalidOperationException>(() => Run(task, new Options { GradientClipNorm = 1 }));
        Assert.Contains("gradient norm at iteration 1", error.Message);
        Assert.Equal(new[] { 0.5f, 0.5f, 0.5f }, task.Weights());
    }

    [Fact]
    public void WithoutClippingTheLastCheckpointKeepsTheLastFiniteWeights()
    {
        string dir = Path.Combine(Path.GetTempPath(), "arml-nonfinite-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var task = new FlakyGradientTask(goodSteps: 2);
            var options = new Options { GradientClipNorm = 0, CheckpointDirectory = dir, CheckpointInterval = 1 };
            var error = Assert.Throws<InvalidOperationException>(() => Run(task, options));
            Assert.Contains("weights after iteration 3 are not finite", error.Message);
            Assert.Contains(new CheckpointStore(dir).Path, error.Message);
            Assert.Contains(task.Weights(), float.IsNaN);   // the in-memory weights are spoiled: the check is needed

            using var fresh = new FlakyGradientTask(goodSteps: 0);
            using var optimizer = new FlatAdamW([(fresh.Model.parameters().ToList(), 0.0)], 0.9, 0.99);
            Assert.True(new CheckpointStore(dir).TryLoad(fresh.Model, optimizer, Fingerprint, out var state, out _, out _));
            Assert.Equal(2, state.Iteration);
            Assert.All(fresh.Weights(), w => Assert.True(float.IsFinite(w) && w != 0.5f, $"checkpointed weight {w}"));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    private static readonly TrainingFingerprint Fingerprint = new TrainingFingerprint().With("test", "non-finite-gradient");

    private static void Run(FlakyGradientTask task, Options options)
    {
        options.MaxIterations = 5;
        options.WarmupIterations = 0;
        options.LearningRate = 0.1;
        using var host = ArmlHost.Create(new MLContext(seed: 1), nameof(NonFiniteGradientTests));
        TrainingLoop.Run(task, options, host, seed: 1, Fingerprint);
    }

    private sealed class Options : TrainerOptionsBase;

    private sealed class ThreeWeights : nn.Module
    {
        public ThreeWeights() : base("weights")
        {
            register_parameter("w", Value);
        }

        public Parameter Value { get; } = new(KeptScalar.With(0.5, s => full(3, s, ScalarType.Float32)));
    }

    /// <summary>
    /// Loss (w − 1)² for the first <c>goodSteps</c> steps, then √((w − w̃)²) with w̃ a detached copy of w: its value
    /// is 0, but its gradient is 0 · ∞ = NaN.
    /// </summary>
    private sealed class FlakyGradientTask(int goodSteps) : ITrainingTask, IDisposable
    {
        private readonly ThreeWeights _module = new();
        private int _steps;

        public nn.Module Model => _module;

        public long TokensPerEpoch => 3;

        public bool DecaysWeight(string parameterName, Tensor parameter) => false;

        public (Tensor Loss, long Tokens) TrainingLoss(TrainingRandom random)
        {
            var w = _module.Value;
            var loss = _steps++ < goodSteps ? Square(KeptScalar.Sub(w, 1)).sum() : Square(w.sub(w.detach())).sqrt().sum();
            return (loss, 3);
        }

        private static Tensor Square(Tensor x) => x.mul(x);

        public double? ValidationLoss() => null;

        public float[] Weights() => _module.Value.detach().data<float>().ToArray();

        public void Dispose() => _module.Dispose();
    }
}
