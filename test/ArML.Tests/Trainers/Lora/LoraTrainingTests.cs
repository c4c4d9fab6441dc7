using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using ArML.Training;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Trainers.Lora;

public class LoraTrainingTests : IClassFixture<TinyGpt>
{
    private readonly TinyGpt _tiny;

    public LoraTrainingTests(TinyGpt tiny) => _tiny = tiny;

    private static GptModel Network(LanguageModelTransformer model) => ((GptLanguageModel)model.Model).Model;

    private GptTrainer.Options Options(int iterations, int rank)
    {
        var options = TinyGpt.Options(iterations);
        options.Adapter = new LoraOptions { Rank = rank, Alpha = 2 * rank, Targets = LoraTargets.Attention | LoraTargets.Mlp };
        options.Seed = 4;
        return options;
    }

    private static void AssertBaseUnchanged(LanguageModelTransformer initial, LanguageModelTransformer trained)
    {
        var before = Network(initial).BaseWeights().ToDictionary(kv => kv.Key, kv => kv.Value);
        var after = Network(trained).BaseWeights();
        Assert.Equal(before.Keys.Order(), after.Select(kv => kv.Key).Order());
        Assert.All(after, kv => Assert.Equal(before[kv.Key].Data, kv.Value.Data));
    }

    [Fact]
    public void OnlyTheAdaptersTrainAndTheBaseStaysByteIdentical()
    {
        string dir = Path.Combine(Path.GetTempPath(), "arml-lora-train-" + Guid.NewGuid().ToString("N"));
        try
        {
            const int rank = 4;
            var options = Options(iterations: 6, rank);
            options.CheckpointDirectory = dir;
            var data = _tiny.Tokenizer.Transform(_tiny.Train);
            using var trained = _tiny.Ml.LanguageModeling().Trainers.Gpt(options).Fit(data, _tiny.Gpt);
            AssertBaseUnchanged(_tiny.Gpt, trained);

            // r·(in + out) per adapted matrix, by hand for C = 32 (MLP width 4C): c_attn C→3C, attn.c_proj C→C,
            // mlp.c_fc C→4C, mlp.c_proj 4C→C; two layers.
            const int c = 32, layers = 2;
            long expected = layers * rank * ((c + 3 * c) + (c + c) + (c + 4 * c) + (4 * c + c));
            var network = Network(trained);
            Assert.Equal(expected, network.parameters().Where(p => p.requires_grad).Sum(p => p.numel()));
            Assert.Equal(expected, network.AdapterWeights().Sum(kv => kv.Value.Shape.Aggregate(1L, (a, b) => a * b)));
            // The optimizer keeps two moments for the adapters and nothing for the frozen base.
            var checkpoint = CheckpointFile.Read(Path.Combine(dir, "checkpoint.safetensors")).Tensors;
            long moments = checkpoint.Where(kv => kv.Key.StartsWith("optimizer.m", StringComparison.Ordinal) || kv.Key.StartsWith("optimizer.v", StringComparison.Ordinal))
                .Sum(kv => kv.Value.Shape.Aggregate(1L, (a, b) => a * b));
            Assert.Equal(2 * expected, moments);
            // The adapters did train (B left zero), so the model's scores moved.
            Assert.Contains(network.AdapterWeights(), kv => kv.Key.EndsWith(".B", StringComparison.Ordinal) && kv.Value.Data.Any(b => b != 0));
            var valid = _tiny.Tokenizer.Transform(_tiny.Valid);
            Assert.NotEqual(TinyGpt.Scores(_tiny.Gpt.Transform(valid)), TinyGpt.Scores(trained.Transform(valid)));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void MixedPrecisionAndEarlyStoppingKeepTheBaseFrozen()
    {
        var options = Options(iterations: 6, rank: 2);
        options.Precision = TrainingPrecision.BFloat16;
        options.Adapter!.Dropout = 0.1;
        options.ValidationSet = _tiny.Tokenizer.Transform(_tiny.Valid);
        options.EvaluationInterval = 2;
        options.EarlyStoppingPatience = 1;
        using var trained = _tiny.Ml.LanguageModeling().Trainers.Gpt(options).Fit(_tiny.Tokenizer.Transform(_tiny.Train), _tiny.Gpt);
        AssertBaseUnchanged(_tiny.Gpt, trained);
        Assert.True(Network(trained).HasAdapters);
        Assert.Equal(ScalarTypeFloat32, Network(trained).ComputeType);
    }

    private static readonly TorchSharp.torch.ScalarType ScalarTypeFloat32 = TorchSharp.torch.ScalarType.Float32;

    [Fact]
    public void AnInterruptedAdapterRunResumesAsIfNeverInterrupted()
    {
        var ml = new MLContext(seed: 1);
        var data = GptTrainingTests.Tokens(ml, GptTrainingTests.Corpus);
        string dir = Path.Combine(Path.GetTempPath(), "arml-lora-resume-" + Guid.NewGuid().ToString("N"));
        try
        {
            GptTrainer.Options Make(string? checkpoints)
            {
                var o = Options(iterations: 14, rank: 2);
                o.CheckpointDirectory = checkpoints;
                o.CheckpointInterval = 5;
                return o;
            }
            var uninterrupted = GptTrainingTests.PerIterationLosses(Make(null), data, ml);
            var first = GptTrainingTests.PerIterationLosses(Make(dir), data, ml, stop: p => p.Iteration == 5);
            var resumed = GptTrainingTests.PerIterationLosses(Make(dir), data, ml);
            Assert.Equal(uninterrupted.Take(5), first);
            Assert.Equal(uninterrupted.Skip(5), resumed);

            // A checkpoint of an adapter run is refused by a run without adapters (the fingerprint names the part).
            var plain = Make(dir);
            plain.Adapter = null;
            var e = Assert.ThrowsAny<Exception>(() => GptTrainingTests.PerIterationLosses(plain, data, ml));
            Assert.Contains("adapter", e.Message);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}
