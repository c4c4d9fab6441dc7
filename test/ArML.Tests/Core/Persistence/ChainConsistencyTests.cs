using Xunit;
using System.Text;
using System.Text.Json.Nodes;
using ArML.Persistence;
using ArML.Tests.Trainers.NGram;
using ArML.Trainers.NGram;
using Microsoft.ML;

namespace ArML.Tests.Core.Persistence;

/// <summary>A forged file whose parts no longer fit together is refused at load, naming the step and the column.</summary>
public class ChainConsistencyTests
{
    private readonly MLContext _ml = new(seed: 1);

    /// <summary>A character tokenizer then an n-gram model, saved; its n-gram config edited by <paramref name="forge"/> and re-checksummed.</summary>
    private byte[] ForgedNGramChain(Action<JsonObject> forge)
    {
        var model = NGramFixtures.Train(_ml, ["abcab", "bca"], new NGramTrainer.Options { TokenColumnName = "Tokens", Order = 2 });
        using var saved = new MemoryStream();
        _ml.Model.SaveArml(model, NGramFixtures.ToDataView(_ml, ["ab"]).Schema, saved);
        var edit = ArchiveEdit.Of(saved.ToArray());
        var config = JsonNode.Parse(edit["components/001/config.json"])!.AsObject();
        forge(config);
        edit.ReplaceConsistently("components/001/config.json", Encoding.UTF8.GetBytes(config.ToJsonString()));
        return edit.ToZip();
    }

    [Fact]
    public void ARenamedColumnIsRefusedAtLoadNamingStepAndColumn()
    {
        byte[] file = ForgedNGramChain(c => c["tokenColumnName"] = "Tokenz");
        var e = Assert.Throws<ArmlModelFormatException>(() => _ml.Model.LoadArml(new MemoryStream(file), out _));
        Assert.Contains("Step 1 (NGramTransformer, part 1 of kind 'ArML.NGramLanguageModel')", e.Message);
        Assert.Contains("Tokenz", e.Message);
    }

    [Fact]
    public void AVocabularyOfAnotherSizeIsRefusedAtLoad()
    {
        byte[] file = ForgedNGramChain(c =>
        {
            c["keyCount"] = (int)c["keyCount"]! + 1;
            c["vocabulary"]!.AsArray().Add("z");
        });
        var e = Assert.Throws<ArmlModelFormatException>(() => _ml.Model.LoadArml(new MemoryStream(file), out _));
        // Whichever check sees it first (the saved token codec's size, or the chain check) names the part and the sizes.
        Assert.Contains("part 1", e.Message);
        Assert.Matches("key count|5 keys", e.Message);
    }

    [Fact]
    public void AGenuineChainLoadsAndScores()
    {
        var model = NGramFixtures.Train(_ml, ["abcab", "bca"], new NGramTrainer.Options { TokenColumnName = "Tokens", Order = 2 });
        var data = NGramFixtures.ToDataView(_ml, ["ab"]);
        using var saved = new MemoryStream();
        _ml.Model.SaveArml(model, data.Schema, saved);
        var loaded = _ml.Model.LoadArml(new MemoryStream(saved.ToArray()), out var schema);
        Assert.Equal(model.Transform(data).Schema.Count, loaded.Transform(data).Schema.Count);
    }
}
