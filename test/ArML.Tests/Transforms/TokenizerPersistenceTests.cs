using ArML.Persistence;
using ArML.Transforms.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Tokenizers;
using Xunit;
using static ArML.Tests.Transforms.TokenizeHelpers;

namespace ArML.Tests.Transforms;

public class TokenizerPersistenceTests
{
    private static readonly string[] Probe = [.. TokenizerFixtures.Corpus.Lines.Skip(2500).Take(200), "", "unknown ☃ words 𝟘"];

    private static ITransformer SaveAndLoad(ITransformer model, IDataView data)
    {
        using var stream = new MemoryStream();
        Ml.Model.SaveArml(model, data.Schema, stream);
        stream.Position = 0;
        return Ml.Model.LoadArml(stream, out _);
    }

    public static TheoryData<string> Kinds => new(["pretrained", "bpe-trained", "bpe-files", "word", "character"]);

    private static IEstimator<ITransformer> Tokenizer(string kind)
    {
        var options = new TokenizeOptions { EndOfSequenceToken = "<|endoftext|>", MaximumTokenCount = 40, Truncation = TruncationPolicy.KeepEnd };
        var specials = new[] { "<|endoftext|>" };
        return kind switch
        {
            "pretrained" => Ml.Transforms.Text.TokenizeToIds("Tokens", "Text", "o200k_base", options),
            "bpe-trained" => Ml.Transforms.Text.TrainTokenizer("Tokens", "Text", new TokenizerTrainerOptions { VocabularySize = 600, SpecialTokens = specials }, options),
            "bpe-files" => Ml.Transforms.Text.TokenizeToIds("Tokens", "Text", FileBpe().Tokenizer, options),
            "word" => Ml.Transforms.Text.TrainTokenizer("Tokens", "Text", new TokenizerTrainerOptions { Kind = TokenizerKind.Word, SpecialTokens = specials }, options),
            _ => Ml.Transforms.Text.TrainTokenizer("Tokens", "Text", new TokenizerTrainerOptions { Kind = TokenizerKind.Character, SpecialTokens = specials }, options),
        };
    }

    private static BpeVocabulary FileBpe()
    {
        var trained = BpeTrainerParityTests.TrainFixtureBpe();
        return BpeVocabulary.FromFiles(new MemoryStream(trained.GetVocabJson()), new MemoryStream(trained.GetMergesText()), specialTokens: ["<|endoftext|>"]);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryTokenizerAndItsDecoderReloadToIdenticalOutput(string kind)
    {
        var training = Texts(TokenizerFixtures.Corpus.Lines.Take(600));
        var model = Tokenizer(kind).Append(Ml.Transforms.Text.DecodeTokens("Decoded", "Tokens")).Fit(training);
        var loaded = SaveAndLoad(model, training);

        var probe = Texts(Probe);
        var before = model.Transform(probe);
        var after = loaded.Transform(probe);
        Assert.Equal(Ids(before), Ids(after));
        Assert.Equal(Strings(before, "Decoded"), Strings(after, "Decoded"));
        Assert.Contains(Ids(before), ids => ids.Length == 40);

        var chain = Assert.IsType<TransformerChain<ITransformer>>(loaded);
        var tokenizer = Assert.IsType<TokenizerTransformer>(chain.First());
        Assert.Equal(TruncationPolicy.KeepEnd, tokenizer.Options.Truncation);
        Assert.Equal(((TokenizerTransformer)model.First()).Vocabulary.GetType(), tokenizer.Vocabulary.GetType());
    }

    [Fact]
    public void PretrainedEncodingsAreSavedByName()
    {
        var data = Texts(["x"]);
        using var stream = new MemoryStream();
        Ml.Model.SaveArml(Ml.Transforms.Text.TokenizeToIds("Tokens", "Text", "cl100k_base").Fit(data), data.Schema, stream);
        Assert.True(stream.Length < 20_000, $"{stream.Length} bytes: the vocabulary was written out");
    }

    [Fact]
    public void ATokenizerCreatedOutsideArmlFailsAtSaveNamingIt()
    {
        var files = FileBpe();
        var foreign = BpeTokenizer.Create(new BpeOptions(files.BpeTokenizer.Vocabulary) { Merges = MergeLines(files) });
        var data = Texts(["hello world"]);
        var model = Ml.Transforms.Text.TokenizeToIds("Tokens", "Text", foreign).Fit(data);
        Assert.NotEmpty(Ids(model.Transform(data))[0]);
        var error = Assert.Throws<NotSupportedException>(() => Ml.Model.SaveArml(model, data.Schema, new MemoryStream()));
        Assert.Contains("BpeTokenizer", error.Message);
        Assert.Contains("created outside ArML", error.Message);
    }

    [Fact]
    public void CharacterTokenizersSavedByEarlierVersionsStillLoad()
    {
        var data = Texts(["cab", "b😀"]);
        var legacy = new LegacyCharacterTokenizer(new CharacterTokenizerConfig("Tokens", "Text", [97, 98, 99, 0x1F600]));
        using var stream = new MemoryStream();
        Ml.Model.SaveArml(legacy, data.Schema, stream);
        stream.Position = 0;
        var loaded = Assert.IsType<TokenizerTransformer>(Ml.Model.LoadArml(stream, out _));
        Assert.Equal([[3, 1, 2], [2, 4]], Ids(loaded.Transform(data)));
        Assert.Equal([[0]], Ids(loaded.Transform(Texts(["z"]))));
    }

    private static IEnumerable<string> MergeLines(BpeVocabulary vocabulary) =>
        System.Text.Encoding.UTF8.GetString(vocabulary.GetMergesText()).Split('\n').Skip(1).Where(l => l.Length > 0);

    /// <summary>Writes what the character tokenizer of ArML's first version wrote (kind ArML.CharacterTokenizer, version 1).</summary>
    private sealed class LegacyCharacterTokenizer(CharacterTokenizerConfig config) : ITransformer, IArmlPersistable
    {
        public string ArmlKind => "ArML.CharacterTokenizer";
        public int ArmlKindVersion => 1;
        public void SaveArml(ArmlComponentWriter writer) => writer.WriteJson("config.json", config);
        public bool IsRowToRowMapper => true;
        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inputSchema;
        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw new NotSupportedException();
        public IDataView Transform(IDataView input) => input;
        void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException();
    }
}
