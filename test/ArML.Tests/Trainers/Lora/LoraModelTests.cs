using System.IO.Compression;
using ArML.Persistence;
using ArML.Tests.Support;
using ArML.Torch;
using ArML.Trainers;
using ArML.Trainers.Generation;
using ArML.Trainers.Gpt;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers.Lora;

public class LoraModelTests : IClassFixture<TinyGpt>
{
    private static readonly LoraConfig AllTargets = new(Rank: 4, Alpha: 8, Dropout: 0, LoraTargets.All);
    private readonly TinyGpt _tiny;

    public LoraModelTests(TinyGpt tiny) => _tiny = tiny;

    /// <summary>A copy of <paramref name="baseModel"/> with adapters whose B is N(0, scale²) (zero for scale 0).</summary>
    internal static LanguageModelTransformer Adapted(LanguageModelTransformer baseModel, LoraConfig config, double scale, int seed = 3)
    {
        var lm = (GptLanguageModel)baseModel.Model;
        var network = new GptModel(lm.Model.Config, 0, initialize: false);
        ModuleWeights.Import(network, lm.Model.BaseWeights().ToDictionary(kv => kv.Key, kv => kv.Value));
        network.AddAdapters(config, seed);
        using (no_grad())
        using (var generator = new Generator((ulong)seed))
            foreach (var (name, p) in network.named_parameters().Where(p => p.name.EndsWith("_lora.B", StringComparison.Ordinal)))
                using (var values = randn(p.shape, generator: generator)) p.copy_(KeptScalar.MulInPlace(values, scale));
        return baseModel.WithModel(new GptLanguageModel(network, lm.Vocabulary, CPU));
    }

    private List<int> Window() => [_tiny.Lm.SeparatorId, .. TinyGpt.ModelIds(_tiny.Gpt, _tiny.Tokenizer.Transform(_tiny.Valid))[0].Take(10)];

    private static float[] Logits(LanguageModelTransformer model, List<int> window) => RandomGpt.AllLogits((GptLanguageModel)model.Model, window);

    // Two float32 computations of the same logits (widths up to the MLP's 4C) differ by float32 rounding.
    private static double Tolerance(float[] logits, GptConfig config) => Float32Rounding.Sum(1, config.MlpWidth, logits.Max(Math.Abs) + 1);

    [Fact]
    public void ZeroInitialisedAdaptersComputeExactlyTheBase()
    {
        using var adapted = Adapted(_tiny.Gpt, AllTargets, scale: 0);
        Assert.Equal(Logits(_tiny.Gpt, Window()), Logits(adapted, Window()));
        var scored = _tiny.Tokenizer.Transform(_tiny.Valid);
        Assert.Equal(TinyGpt.Scores(_tiny.Gpt.Transform(scored)), TinyGpt.Scores(adapted.Transform(scored)));
    }

    [Fact]
    public void MergedAdaptersComputeWhatUnmergedOnesDoOnEveryPath()
    {
        using var adapted = Adapted(_tiny.Gpt, AllTargets, scale: 0.05);
        using var merged = adapted.MergeAdapters();
        Assert.True(((GptLanguageModel)adapted.Model).Model.HasAdapters);
        Assert.False(((GptLanguageModel)merged.Model).Model.HasAdapters);
        var window = Window();
        float[] unmergedLogits = Logits(adapted, window), mergedLogits = Logits(merged, window), baseLogits = Logits(_tiny.Gpt, window);
        double tolerance = Tolerance(unmergedLogits, _tiny.Lm.Model.Config);
        Assert.True(tolerance < 1e-4, $"tolerance {tolerance}");
        Assert.All(unmergedLogits.Zip(mergedLogits), p => Assert.Equal(p.First, p.Second, tolerance));
        // The adapters do change the model, by far more than the tolerance: the comparison above could fail.
        Assert.True(unmergedLogits.Zip(baseLogits).Max(p => Math.Abs(p.First - p.Second)) > 1000 * tolerance);

        // Generation's key-value cache applies the adapters too: its prefill logits are the merged model's last position's.
        int width = _tiny.Lm.Vocabulary.Size;
        using var decoder = ((GptLanguageModel)adapted.Model).CreateDecoder(StepDecoderMode.Cached);
        var cached = new float[width];
        decoder.Prefill([window.ToArray()], cached);
        Assert.All(cached.Zip(mergedLogits.Skip((window.Count - 1) * width)), p => Assert.Equal(p.First, p.Second, tolerance));
    }

    [Fact]
    public void SaveArmlKeepsTheAdaptersApartFromTheBaseWeightsAndRoundTrips()
    {
        using var adapted = Adapted(_tiny.Gpt, AllTargets with { Targets = LoraTargets.Attention }, scale: 0.05);
        var chain = new TransformerChain<ITransformer>(_tiny.Tokenizer, adapted);
        var stream = new MemoryStream();
        _tiny.Ml.Model.SaveArml(chain, _tiny.Valid.Schema, stream);

        using (var zip = new ZipArchive(new MemoryStream(stream.ToArray()), ZipArchiveMode.Read))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToList();
            byte[] Read(string suffix)
            {
                using var s = zip.Entries.Single(e => e.FullName.EndsWith(suffix, StringComparison.Ordinal)).Open();
                var copy = new MemoryStream();
                s.CopyTo(copy);
                return copy.ToArray();
            }
            var weights = SafeTensorsFormat.Read(Read("/weights.safetensors")).Tensors;
            var baseWeights = _tiny.Lm.Model.BaseWeights();
            Assert.Equal(baseWeights.Select(kv => kv.Key).Order(), weights.Keys.Order());
            Assert.All(baseWeights, kv => Assert.Equal(kv.Value.Data, weights[kv.Key].Data));   // the base, byte for byte
            var adapters = SafeTensorsFormat.Read(Read("/adapters.safetensors")).Tensors;
            // Attention only: c_attn and attn.c_proj of each of the 2 layers, A and B each.
            Assert.Equal(2 * 2 * 2, adapters.Count);
            Assert.All(adapters.Keys, name => Assert.Contains(".attn.", name));
        }

        stream.Position = 0;
        var loaded = _tiny.Ml.Model.LoadArml(stream, out _);
        var valid = _tiny.Valid;
        Assert.Equal(TinyGpt.Scores(chain.Transform(valid)), TinyGpt.Scores(loaded.Transform(valid)));
        Assert.Equal(4, adapted.ArmlKindVersion);
        Assert.Equal(2, _tiny.Gpt.ArmlKindVersion);   // models without adapters keep the layout earlier releases read
        (loaded as IDisposable)?.Dispose();
    }

    [Fact]
    public void AnAdaptersFileAttachesToItsBaseAndRefusesAnotherNamingBothHashes()
    {
        using var adapted = Adapted(_tiny.Gpt, AllTargets, scale: 0.05);
        string path = Path.Combine(Path.GetTempPath(), "arml-lora-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            adapted.SaveArmlAdapters(path);
            var scored = _tiny.Tokenizer.Transform(_tiny.Valid);
            using (var attached = _tiny.Ml.LanguageModeling().LoadArmlAdapters(_tiny.Gpt, path))
                Assert.Equal(TinyGpt.Scores(adapted.Transform(scored)), TinyGpt.Scores(attached.Transform(scored)));

            // Another base of the same shape: one weight differs in its last bit.
            using var other = Adapted(_tiny.Gpt, AllTargets, scale: 0).MergeAdapters();
            var otherModel = ((GptLanguageModel)other.Model).Model;
            using (no_grad()) KeptScalar.MulInPlace(otherModel.named_parameters().First(p => p.name == "wte.weight").parameter[0, 0], 1 + 1e-7);
            string right = _tiny.Lm.Model.BaseHash(), wrong = otherModel.BaseHash();
            Assert.NotEqual(right, wrong);
            Assert.Equal(right, ((GptLanguageModel)adapted.Model).Model.BaseHash());   // adapters do not enter the hash
            var e = Assert.Throws<ArgumentException>(() => _tiny.Ml.LanguageModeling().LoadArmlAdapters(other, path));
            Assert.Contains(right, e.Message);
            Assert.Contains(wrong, e.Message);
            Assert.Throws<ArgumentException>(() => _tiny.Ml.LanguageModeling().LoadArmlAdapters(adapted, path));   // already adapted

            File.WriteAllBytes(path, SafeTensorsFormat.ToBytes(_tiny.Lm.Model.BaseWeights()));
            var notAdapters = Assert.Throws<ArmlModelFormatException>(() => _tiny.Ml.LanguageModeling().LoadArmlAdapters(_tiny.Gpt, path));
            Assert.Contains(path, notAdapters.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
