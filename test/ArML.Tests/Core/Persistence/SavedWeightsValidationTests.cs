using Xunit;
using System.Runtime.InteropServices;
using ArML.Persistence;
using ArML.Torch;
using ArML.Trainers;
using ArML.Trainers.Baseline;
using ArML.Trainers.Density;
using ArML.Trainers.Gpt;
using ArML.Trainers.Lstm;
using ArML.Trainers.Stateful;
using Microsoft.ML;

namespace ArML.Tests.Core.Persistence;

/// <summary>
/// The tensors each loader derives from a configuration are exactly the modules' state dicts (so the early check
/// never refuses a genuine file), and weights of the wrong dtype or with NaN/infinity are refused naming the tensor.
/// </summary>
public class SavedWeightsValidationTests
{
    private readonly MLContext _ml = new(seed: 1);

    private static void SameAsStateDict(TorchSharp.torch.nn.Module module, IEnumerable<TensorSpec> expected)
    {
        using (module)
        {
            var actual = ModuleWeights.Export(module).Select(kv => $"{kv.Key} {kv.Value.DType} [{string.Join(",", kv.Value.Shape)}]").Order();
            Assert.Equal(actual, expected.Select(s => $"{s.Name} {s.DType} [{string.Join(",", s.Shape)}]").Order());
        }
    }

    public static TheoryData<GptConfig> GptShapes() =>
    [
        new GptConfig(10, 8, 1, 2, 8, 0, true),
        new GptConfig(7, 5, 3, 3, 12, 0, false),
        new GptConfig(11, 4, 2, 1, 4, 0, true, PositionEncoding.Rotary),
    ];

    [Theory]
    [MemberData(nameof(GptShapes))]
    public void GptExpectationsMatchTheModel(GptConfig config) => SameAsStateDict(new GptModel(config), GptLanguageModelLoader.ExpectedTensors(config));

    [Theory]
    [InlineData(RecurrentCell.Lstm, 1, 8, 8)]
    [InlineData(RecurrentCell.Lstm, 3, 6, 4)]
    [InlineData(RecurrentCell.Gru, 2, 5, 5)]
    [InlineData(RecurrentCell.Gru, 1, 4, 7)]
    public void RnnExpectationsMatchTheModel(RecurrentCell cell, int layers, int hidden, int embedding)
    {
        var config = new LstmConfig(10, cell, layers, hidden, embedding, 0);
        SameAsStateDict(new LstmModel(config), LstmLanguageModelLoader.ExpectedTensors(config));
    }

    // Configurations are internal, so the theory runs over indexes into them.
    private static readonly DensityModelConfig[] DensityConfigs =
    [
        new DensityModelConfig(DensityModelFamily.Fvsbn, 5, OutputDistribution.Bernoulli, 0, 0, [], 1, false, false),
        new DensityModelConfig(DensityModelFamily.Nade, 4, OutputDistribution.Categorical, 3, 0, [6], 1, false, false),
        new DensityModelConfig(DensityModelFamily.Made, 4, OutputDistribution.GaussianMixture, 0, 2, [6, 5], 3, true, true),
        new DensityModelConfig(DensityModelFamily.Made, 3, OutputDistribution.Bernoulli, 0, 0, [4], 1, false, false),
    ];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void DensityExpectationsMatchTheNetwork(int shape) =>
        SameAsStateDict(AutoregressiveNetwork.Create(DensityConfigs[shape], seed: 0), DensityModelLoader.ExpectedTensors(DensityConfigs[shape]));

    private byte[] GptFile(Func<string, TensorData, TensorData> edit)
    {
        var config = new GptConfig(10, 8, 1, 2, 8, 0, true);
        List<KeyValuePair<string, TensorData>> weights;
        using (var model = new GptModel(config)) weights = ModuleWeights.Export(model);
        var edited = weights.Select(kv => KeyValuePair.Create(kv.Key, edit(kv.Key, kv.Value))).ToList();
        return ComponentArchives.Write(_ml, "ArML.GptLanguageModel",
            new GptLanguageModelConfig(new LanguageModelColumns("Tokens"), new TokenIdLayout(9, 0), null, config, 4, 8), edited);
    }

    [Fact]
    public void I32WeightsWhereF32BelongsAreRefusedNamingTheTensor()
    {
        byte[] file = GptFile((name, t) => name == "h.0.mlp.c_fc.weight" ? t with { DType = "I32" } : t);
        var e = Assert.Throws<ArmlModelFormatException>(() => _ml.Model.LoadArml(new MemoryStream(file), out _));
        Assert.Contains("'h.0.mlp.c_fc.weight' is I32 [32, 8]", e.Message);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void NonFiniteWeightsAreRefusedNamingTheTensorAndElement(float value)
    {
        byte[] file = GptFile((name, t) =>
        {
            if (name != "h.0.attn.c_attn.weight") return t;
            byte[] data = (byte[])t.Data.Clone();
            MemoryMarshal.Cast<byte, float>(data.AsSpan())[17] = value;
            return t with { Data = data };
        });
        var e = Assert.Throws<ArmlModelFormatException>(() => _ml.Model.LoadArml(new MemoryStream(file), out _));
        Assert.Contains("'h.0.attn.c_attn.weight' holds a NaN or infinite value (element 17)", e.Message);
    }

    [Fact]
    public void ATensorTheConfigDoesNotImplyIsRefused()
    {
        byte[] file = GptFile((_, t) => t);
        var edit = ArchiveEdit.Of(file);
        var tensors = SafeTensorsFormat.Read(edit["components/000/weights.safetensors"]).Tensors.ToList();
        tensors.Add(KeyValuePair.Create("extra", new TensorData("F32", [1], new byte[4])));
        edit.ReplaceConsistently("components/000/weights.safetensors", SafeTensorsFormat.ToBytes(tensors));
        Assert.Contains("'extra'", Assert.Throws<ArmlModelFormatException>(() => _ml.Model.LoadArml(new MemoryStream(edit.ToZip()), out _)).Message);
    }

    [Fact]
    public void ForgedMadeDegreesAreRefused()
    {
        var config = new DensityModelConfig(DensityModelFamily.Made, 4, OutputDistribution.Bernoulli, 0, 0, [6], 1, false, false);
        List<KeyValuePair<string, TensorData>> weights;
        using (var network = AutoregressiveNetwork.Create(config, seed: 0)) weights = ModuleWeights.Export(network);
        var forged = weights.Select(kv => kv.Key != "input_degrees" ? kv
            : KeyValuePair.Create(kv.Key, kv.Value with { Data = MemoryMarshal.AsBytes<long>([1, 1, 2, 3]).ToArray() })).ToList();
        byte[] file = ComponentArchives.Write(_ml, "ArML.DensityModel", new DensityTransformerConfig("Features", config, null, 0f, 16), forged);
        Assert.Contains("'input_degrees' row 0", Assert.Throws<ArmlModelFormatException>(() => _ml.Model.LoadArml(new MemoryStream(file), out _)).Message);
    }

    [Fact]
    public void BaselineExpectationsMatchTheModel()
    {
        var config = new AverageEmbeddingConfig(10, 3, 6);
        byte[] file;
        List<KeyValuePair<string, TensorData>> weights;
        using (var model = new AverageEmbeddingModel(config)) weights = ModuleWeights.Export(model);
        file = ComponentArchives.Write(_ml, "ArML.LinearBaselineLanguageModel",
            new StatefulModelFile<AverageEmbeddingConfig>(new LanguageModelColumns("Tokens"), new TokenIdLayout(9, 0), null, config, 4), weights);
        // The component itself loads (the empty input schema then fails the chain check, if any, after the weights passed).
        var e = Record.Exception(() => _ml.Model.LoadArml(new MemoryStream(file), out _));
        Assert.True(e is null || !e.Message.Contains("tensor", StringComparison.OrdinalIgnoreCase), e?.Message);
    }
}
