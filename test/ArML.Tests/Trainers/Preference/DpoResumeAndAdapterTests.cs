using ArML.Persistence;
using ArML.Torch;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using ArML.Trainers.Preference;
using ArML.Training;
using Xunit;

namespace ArML.Tests.Trainers.Preference;

/// <summary>DPO's checkpoints resume exactly, with and without LoRA adapters; with adapters only they train.</summary>
public sealed class DpoResumeAndAdapterTests(TunedToPreferA fixture) : IClassFixture<TunedToPreferA>
{
    private static GptModel Network(LanguageModelTransformer model) => ((GptLanguageModel)model.Model).Model;

    private DpoOptions Options(int iterations, LoraOptions? adapter) => new()
    {
        InitialModel = fixture.Base, Beta = 0.1, BatchSize = 8, MaxIterations = iterations, LearningRate = 3e-3, WarmupIterations = 2,
        Seed = 3, Adapter = adapter,
    };

    // Each iteration's training loss, and the trained model's weights (null when the run was stopped).
    private (List<double> Losses, List<KeyValuePair<string, TensorData>>? Weights) Run(DpoOptions options, Func<TrainingProgress, bool>? stop = null)
    {
        var losses = new List<double>();
        using var cancel = new CancellationTokenSource();
        options.EvaluationInterval = 1;
        options.CancellationToken = cancel.Token;
        options.Progress = new SynchronousProgress<TrainingProgress>(p =>
        {
            losses.Add(p.Loss);
            if (stop?.Invoke(p) == true) cancel.Cancel();
        });
        try
        {
            using var tuned = fixture.Ml.LanguageModeling().Trainers.Dpo(options).Fit(fixture.Pairs);
            return (losses, ModuleWeights.Export(Network(tuned)).ToList());
        }
        catch (OperationCanceledException)
        {
            return (losses, null);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnInterruptedRunResumesAsIfNeverInterrupted(bool adapters)
    {
        string dir = Path.Combine(Path.GetTempPath(), "arml-dpo-resume-" + Guid.NewGuid().ToString("N"));
        try
        {
            DpoOptions Make(string? checkpoints)
            {
                var o = Options(iterations: 12, adapters ? new LoraOptions { Rank = 2, Alpha = 4 } : null);
                o.CheckpointDirectory = checkpoints;
                o.CheckpointInterval = 5;
                return o;
            }
            var (uninterrupted, expected) = Run(Make(null));
            var (first, _) = Run(Make(dir), stop: p => p.Iteration == 7);
            var (resumed, weights) = Run(Make(dir));
            Assert.Equal(12, uninterrupted.Count);
            Assert.Equal(7, first.Count);
            Assert.Equal(uninterrupted.Take(7), first);
            Assert.Equal(uninterrupted.Skip(7), resumed);
            // The same weights, to the byte, as the run that was never interrupted.
            Assert.Equal(expected!.Select(kv => kv.Key), weights!.Select(kv => kv.Key));
            Assert.All(expected!.Zip(weights!), pair => Assert.Equal(pair.First.Value.Data, pair.Second.Value.Data));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void WithAdaptersOnlyTheyTrainTheBaseStaysByteIdenticalAndTheLossFalls()
    {
        const int rank = 4;
        var options = Options(iterations: 60, new LoraOptions { Rank = rank, Alpha = 2 * rank, Targets = LoraTargets.Attention | LoraTargets.Mlp });
        options.LearningRate = 1e-2;   // adapters start at B = 0 and want a larger step than full fine-tuning
        // β = 1: at β = 0.1 a loss under 0.5 needs log-ratio margins near 9 nats, which this tiny model reached or not
        // depending on the CPU's float32 kernels (MKL's AVX2 against AVX-512 sgemm); at β = 1 every kernel family
        // (ATEN_CPU_CAPABILITY default, avx2, avx512; both MKL paths) gets there within 60 steps.
        options.Beta = 1.0;
        var losses = new List<double>();
        options.EvaluationInterval = 1;
        options.Progress = new SynchronousProgress<TrainingProgress>(p => losses.Add(p.Loss));
        using var tuned = fixture.Ml.LanguageModeling().Trainers.Dpo(options).Fit(fixture.Pairs);
        var network = Network(tuned);
        Assert.True(network.HasAdapters);

        // The base weights are the initial model's, to the byte.
        var before = ModuleWeights.Export(Network(fixture.Base)).ToDictionary(kv => kv.Key, kv => kv.Value);
        var after = network.BaseWeights();
        Assert.Equal(before.Keys.Order(), after.Select(kv => kv.Key).Order());
        Assert.All(after, kv => Assert.Equal(before[kv.Key].Data, kv.Value.Data));

        // Only the adapters require gradients: r·(in + out) per adapted matrix, by hand for C = 32, one layer
        // (c_attn C→3C, attn.c_proj C→C, mlp.c_fc C→4C, mlp.c_proj 4C→C).
        const int c = 32;
        long expected = rank * ((c + 3 * c) + (c + c) + (c + 4 * c) + (4 * c + c));
        Assert.Equal(expected, network.parameters().Where(p => p.requires_grad).Sum(p => p.numel()));

        // B starts at zero, so the first step's policy is the base, which is the reference: the loss is exactly ln 2 (float32).
        Assert.Equal(Math.Log(2), losses[0], 1e-6);
        // Then it falls, and the tuned model prefers the chosen responses of unseen rows.
        Assert.True(losses.TakeLast(5).Average() < 0.5, $"DPO loss {losses[0]:F4} → {losses.TakeLast(5).Average():F4}: {string.Join(" ", losses.Select(l => l.ToString("F2")))}");
        var metrics = fixture.Trainer.Evaluate(tuned, fixture.Options.ValidationSet!);
        Assert.True(metrics.PreferenceAccuracy >= 0.9 && metrics.Loss < 0.5, metrics.ToString());
    }
}
