using Xunit;
using System.Text.Json.Nodes;
using ArML.Persistence;
using ArML.Tests.Trainers.NGram;
using ArML.Torch;
using ArML.Trainers;
using ArML.Trainers.Baseline;
using ArML.Trainers.Density;
using ArML.Trainers.Gpt;
using ArML.Trainers.Lstm;
using ArML.Trainers.NGram;
using ArML.Trainers.Stateful;
using Microsoft.ML;

namespace ArML.Tests.Core.Persistence;

/// <summary>
/// Small files whose configuration claims a huge network: each must be refused, naming the tensor or field, before
/// the network is built. Peak memory (native included) and managed allocation during the load stay under 50 MB;
/// before the check, each of these cases allocated what its configuration claimed (100-300 MB here; GBs in the wild).
/// </summary>
[Collection(MemoryMeasurementCollection.Name)]
public class AllocationBombTests
{
    private const long Budget = 50L << 20;
    private readonly MLContext _ml = new(seed: 1);
    private static readonly LanguageModelColumns Columns = new("Tokens");
    private static readonly TokenIdLayout Ids = new(9, 0);   // ids 0..9: nine tokens and the separator

    private static List<KeyValuePair<string, TensorData>> Weights(TorchSharp.torch.nn.Module module)
    {
        using (module) return ModuleWeights.Export(module);
    }

    private void RejectedCheaply(byte[] genuine, byte[] forged, params string[] named)
    {
        // Warm up ML.NET, libtorch and the loader on the genuine file so that only the forged load is measured.
        try { _ml.Model.LoadArml(new MemoryStream(genuine), out _); } catch (ArmlModelFormatException) { }
        ArmlModelFormatException? error = null;
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long? rise = PeakMemory.Rise(() => error = Assert.Throws<ArmlModelFormatException>(() => _ml.Model.LoadArml(new MemoryStream(forged), out _)));
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        foreach (string name in named) Assert.Contains(name, error!.Message);
        Assert.True(allocated < Budget, $"{allocated} managed bytes allocated refusing a {forged.Length}-byte file");
        if (rise is long r) Assert.True(r < Budget, $"peak memory rose by {r} bytes refusing a {forged.Length}-byte file");
    }

    [Fact]
    public void AGptConfigClaimingAWideDeepModelIsRefusedBeforeBuildingIt()
    {
        var small = new GptConfig(10, 8, 1, 2, 8, 0, true);
        var weights = Weights(new GptModel(small));
        byte[] File(GptConfig m) => ComponentArchives.Write(_ml, "ArML.GptLanguageModel", new GptLanguageModelConfig(Columns, Ids, null, m, 4, 8), weights);
        RejectedCheaply(File(small), File(small with { EmbeddingSize = 1024, LayerCount = 4, HeadCount = 8 }), "wte.weight", "[10, 1024]");
    }

    [Fact]
    public void ARotaryGptClaimingAnEndlessContextIsRefused()
    {
        var small = new GptConfig(10, 8, 1, 2, 8, 0, true, PositionEncoding.Rotary);
        var weights = Weights(new GptModel(small));
        var config = new GptLanguageModelConfig(Columns, Ids, null, small with { ContextLength = int.MaxValue }, 4, 8);
        var e = Assert.Throws<ArmlModelFormatException>(() =>
            _ml.Model.LoadArml(new MemoryStream(ComponentArchives.Write(_ml, "ArML.GptLanguageModel", config, weights)), out _));
        Assert.Contains("context length", e.Message);
    }

    [Theory]
    [InlineData(RecurrentCell.Lstm)]
    [InlineData(RecurrentCell.Gru)]
    public void AnRnnConfigClaimingWideLayersIsRefusedBeforeBuildingIt(RecurrentCell cell)
    {
        var small = new LstmConfig(10, cell, 1, 8, 8, 0);
        var weights = Weights(new LstmModel(small));
        byte[] File(LstmConfig m) => ComponentArchives.Write(_ml, "ArML.LstmLanguageModel", new StatefulModelFile<LstmConfig>(Columns, Ids, null, m, 4), weights);
        RejectedCheaply(File(small), File(small with { LayerCount = 2, HiddenSize = 2048, EmbeddingSize = 2048 }), "wte.weight");
    }

    [Fact]
    public void ABaselineConfigClaimingWideEmbeddingsIsRefusedBeforeBuildingIt()
    {
        var small = new AverageEmbeddingConfig(10, 2, 8);
        var weights = Weights(new AverageEmbeddingModel(small));
        byte[] File(AverageEmbeddingConfig m) =>
            ComponentArchives.Write(_ml, "ArML.LinearBaselineLanguageModel", new StatefulModelFile<AverageEmbeddingConfig>(Columns, Ids, null, m, 4), weights);
        RejectedCheaply(File(small), File(small with { EmbeddingSize = 4096 }), "wte.weight");
    }

    [Theory]
    [InlineData(DensityModelFamily.Fvsbn, "'weight'")]
    [InlineData(DensityModelFamily.Nade, "'input_weight'")]
    [InlineData(DensityModelFamily.Made, "'input_degrees'")]
    public void ADensityConfigClaimingAHugeNetworkIsRefusedBeforeBuildingIt(DensityModelFamily family, string tensor)
    {
        int[] hidden = family == DensityModelFamily.Fvsbn ? [] : [8];
        var small = new DensityModelConfig(family, 4, OutputDistribution.Bernoulli, 0, 0, hidden, 1, false, false);
        var weights = Weights(AutoregressiveNetwork.Create(small, seed: 0));
        byte[] File(DensityModelConfig m) =>
            ComponentArchives.Write(_ml, "ArML.DensityModel", new DensityTransformerConfig("Features", m, null, 0f, 16), weights);
        var huge = small with { Dimension = 3000, HiddenSizes = family == DensityModelFamily.Fvsbn ? [] : [4000] };
        RejectedCheaply(File(small), File(huge), tensor);
    }

    [Fact]
    public void AnNGramConfigClaimingMillionsOfNumberedKeysIsRefused()
    {
        var model = NGramFixtures.Train(_ml, ["abcab", "bca"], new NGramTrainer.Options { TokenColumnName = "Tokens", Order = 2 });
        var data = NGramFixtures.ToDataView(_ml, ["ab"]);
        using var saved = new MemoryStream();
        _ml.Model.SaveArml(model, data.Schema, saved);
        var edit = ArchiveEdit.Of(saved.ToArray());
        var config = JsonNode.Parse(edit["components/001/config.json"])!.AsObject();
        config["keyCount"] = 5_000_000;
        config["vocabulary"] = null;
        edit.ReplaceConsistently("components/001/config.json", System.Text.Encoding.UTF8.GetBytes(config.ToJsonString()));
        RejectedCheaply(saved.ToArray(), edit.ToZip(), "key count 5000000");
    }
}
