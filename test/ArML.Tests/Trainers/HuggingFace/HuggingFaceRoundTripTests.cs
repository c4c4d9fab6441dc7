using ArML.Persistence;
using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using Microsoft.ML;
using Xunit;
using static ArML.Tests.Trainers.HuggingFace.HuggingFaceImportTests;

namespace ArML.Tests.Trainers.HuggingFace;

/// <summary>SaveHuggingFace, SaveArml and fine-tuning of imported checkpoints.</summary>
public class HuggingFaceRoundTripTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "arml-hf-rt-" + Guid.NewGuid().ToString("N"));
    private readonly MLContext _ml = new(seed: 1);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private IDataView Rows(IEnumerable<string> texts) => _ml.Data.LoadFromEnumerable(texts.Select(t => new HuggingFaceImportTests.TextRow { Text = t }));

    private double[] Score(ITransformer model, IEnumerable<string> texts) =>
        _ml.Data.CreateEnumerable<Scores>(model.Transform(Rows(texts)), reuseRowObject: false).Select(s => s.LogLikelihood).ToArray();

    [Theory]
    [MemberData(nameof(Variants), MemberType = typeof(HuggingFaceImportTests))]
    public void ExportThenImportGivesIdenticalScoresAndTheOriginalTensors(string variant)
    {
        string original = Checkpoint(variant).Write(Path.Combine(_root, "original"));
        using var imported = _ml.LanguageModeling().LoadHuggingFace(original);
        string exported = Path.Combine(_root, "exported");
        imported.SaveHuggingFace(exported);
        using (var again = _ml.LanguageModeling().LoadHuggingFace(exported))
            Assert.Equal(Score(imported, Texts), Score(again, Texts));

        // The exported tensors are the original ones, in the original layout (converted to float32).
        var before = ReadAll(original);
        var after = SafeTensorsFormat.Read(File.ReadAllBytes(Path.Combine(exported, "model.safetensors"))).Tensors;
        foreach (var (name, tensor) in after)
        {
            string key = before.ContainsKey(name) ? name : name.Replace("transformer.", "", StringComparison.Ordinal);
            Assert.Equal(before[key].Shape, tensor.Shape);
            Assert.Equal(ToFloats(before[key]), ToFloats(tensor));
        }

        // tokenizer.json alone (no vocab.json / merges.txt) gives the same tokenizer.
        File.Delete(Path.Combine(exported, "vocab.json"));
        File.Delete(Path.Combine(exported, "merges.txt"));
        using var fromTokenizerJson = _ml.LanguageModeling().LoadHuggingFace(exported);
        Assert.Equal(Score(imported, Texts), Score(fromTokenizerJson, Texts));
    }

    [Fact]
    public void SaveArmlAndLoadArmlKeepTheImportedModel()
    {
        string original = new RandomGpt2Checkpoint { Tied = false, Activation = "gelu_new", Epsilon = 0.02, Inner = 20 }.Write(Path.Combine(_root, "original"));
        using var imported = _ml.LanguageModeling().LoadHuggingFace(original);
        string file = Path.Combine(_root, "model.zip");
        _ml.Model.SaveArml(imported, Rows(Texts).Schema, file);
        var loaded = _ml.Model.LoadArml(file, out _);
        Assert.Equal(Score(imported, Texts), Score(loaded, Texts));
        var generator = _ml.LanguageModeling().CreateTextGenerator(loaded);
        Assert.Equal(generator.Generate("hel", new ArML.Trainers.Generation.GenerationOptions { MaxNewTokens = 5, Temperature = 0 }),
            _ml.LanguageModeling().CreateTextGenerator(imported).Generate("hel", new ArML.Trainers.Generation.GenerationOptions { MaxNewTokens = 5, Temperature = 0 }));
        (loaded as IDisposable)?.Dispose();
    }

    [Fact]
    public void FineTuningLowersValidationPerplexityAndKeepsTheTokenizer()
    {
        string original = new RandomGpt2Checkpoint { Seed = 4 }.Write(Path.Combine(_root, "original"));
        using var imported = _ml.LanguageModeling().LoadHuggingFace(original);
        string[] train = Enumerable.Range(0, 40).Select(i => $"the cat sat on mat {i % 7}").ToArray();
        string[] valid = Enumerable.Range(0, 8).Select(i => $"the cat sat on mat {(i + 3) % 7}").ToArray();
        var tokenizer = imported.First();
        var trainer = _ml.LanguageModeling().Trainers.Gpt(new GptTrainer.Options
        {
            ContextLength = 24, MaxIterations = 40, BatchSize = 8, LearningRate = 3e-3, WarmupIterations = 5, Seed = 1,
        });
        using var tuned = trainer.Fit(tokenizer.Transform(Rows(train)), (LanguageModelTransformer)imported.LastTransformer);
        var chain = new Microsoft.ML.Data.TransformerChain<ITransformer>(tokenizer, tuned);
        double before = Score(imported, valid).Sum(), after = Score(chain, valid).Sum();
        Assert.True(after > before + 10, $"validation log-likelihood {before} before, {after} after fine-tuning");
        chain.SaveHuggingFace(Path.Combine(_root, "tuned"));   // still a GPT-2: its vocabulary is the tokenizer's
        using var reloaded = _ml.LanguageModeling().LoadHuggingFace(Path.Combine(_root, "tuned"));
        Assert.Equal(Score(chain, valid), Score(reloaded, valid));
    }

    [Theory]
    [InlineData(PositionEncoding.Rotary, true, "rotary")]
    [InlineData(PositionEncoding.Learned, false, "biases")]
    [InlineData(PositionEncoding.Learned, true, "compact vocabulary")]
    public void WhatGpt2CannotExpressIsRefusedByName(PositionEncoding positions, bool bias, string named)
    {
        var model = _ml.Transforms.Text.TrainTokenizer("Tokens", "Text", new ArML.Transforms.Text.TokenizerTrainerOptions { Kind = ArML.Transforms.Text.TokenizerKind.Character })
            .Append(_ml.LanguageModeling().Trainers.Gpt(new GptTrainer.Options
            {
                ContextLength = 8, LayerCount = 1, HeadCount = 1, EmbeddingSize = 8, MaxIterations = 1, BatchSize = 2, PositionEncoding = positions, Bias = bias,
            }))
            .Fit(Rows(["abc", "cab"]));
        var e = Assert.Throws<NotSupportedException>(() => model.SaveHuggingFace(Path.Combine(_root, "refused")));
        Assert.Contains(named, e.Message);
        model.LastTransformer.Dispose();
    }

    private static Dictionary<string, TensorData> ReadAll(string directory) =>
        Directory.GetFiles(directory, "*.safetensors").SelectMany(f => SafeTensorsFormat.Read(File.ReadAllBytes(f)).Tensors).ToDictionary();

    private static float[] ToFloats(TensorData t) => t.DType switch
    {
        "F32" => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.Data).ToArray(),
        "F16" => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(t.Data).ToArray().Select(h => (float)h).ToArray(),
        "BF16" => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(t.Data).ToArray().Select(b => BitConverter.UInt32BitsToSingle((uint)b << 16)).ToArray(),
        _ => throw new ArgumentException(t.DType),
    };
}
