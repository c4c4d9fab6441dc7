using ArML.Transforms.Text;
using Microsoft.ML;
using Xunit;
using static ArML.Tests.Transforms.TokenizeHelpers;

namespace ArML.Tests.Transforms;

public class DecodeTokensTests
{
    private static List<string> RoundTrip(IEstimator<ITransformer> tokenizer, IReadOnlyList<string> texts, bool keepSpecialTokens = false)
    {
        var pipeline = tokenizer.Append(Ml.Transforms.Text.DecodeTokens("Decoded", "Tokens", keepSpecialTokens));
        return Strings(pipeline.Fit(Texts(texts)).Transform(Texts(texts)), "Decoded");
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("cl100k_base")]
    [InlineData("o200k_base")]
    public void PretrainedEncodingsRestoreRandomUnicodeExactly(string encoding)
    {
        var texts = RandomUnicode.Strings(400, seed: 21).ToList();
        Assert.Contains(texts, t => t.Any(char.IsSurrogate));
        Assert.Contains(texts, t => t.Any(char.IsControl));
        Assert.Equal(texts, RoundTrip(Ml.Transforms.Text.TokenizeToIds("Tokens", "Text", encoding), texts));
    }

    [Fact]
    public void TrainedByteLevelBpeRestoresRandomUnicodeAndDropsSpecialTokensByDefault()
    {
        var options = new TokenizerTrainerOptions { VocabularySize = 500, SpecialTokens = ["<s>", "</s>"] };
        var tokenize = new TokenizeOptions { BeginOfSequenceToken = "<s>", EndOfSequenceToken = "</s>" };
        var training = TokenizerFixtures.Corpus.Lines.Take(500).ToList();
        var trainer = Ml.Transforms.Text.TrainTokenizer("Tokens", "Text", options, tokenize);
        var texts = RandomUnicode.Strings(200, seed: 22).ToList();
        var model = trainer.Append(Ml.Transforms.Text.DecodeTokens("Decoded", "Tokens")).Fit(Texts(training));
        Assert.Equal(texts, Strings(model.Transform(Texts(texts)), "Decoded"));

        var kept = Ml.Transforms.Text.DecodeTokens("Decoded", "Tokens", keepSpecialTokens: true).Fit(model.First().Transform(Texts(["hi"])));
        Assert.Equal(["<s>hi</s>"], Strings(kept.Transform(model.First().Transform(Texts(["hi"]))), "Decoded"));
    }

    [Fact]
    public void WordAndCharacterVocabulariesDecodeAsDocumented()
    {
        var words = new TokenizerTrainerOptions { Kind = TokenizerKind.Word };
        Assert.Equal(["the cat , the dog !"], RoundTrip(Ml.Transforms.Text.TrainTokenizer("Tokens", "Text", words), ["the  cat, the dog!"]));
        Assert.Equal(["héllo 😀"], RoundTrip(Ml.Transforms.Text.TokenizeCharacters("Tokens", "Text"), ["héllo 😀"]));
    }

    [Fact]
    public void TokenColumnsFromMlNetDecodeThroughTheirKeyValues()
    {
        var data = Texts(["abc", "cab"]);
        var pipeline = Ml.Transforms.Text.TokenizeIntoCharactersAsKeys("Tokens", "Text", useMarkerCharacters: false)
            .Append(Ml.Transforms.Text.DecodeTokens("Decoded", "Tokens"));
        Assert.Equal(["abc", "cab"], Strings(pipeline.Fit(data).Transform(data), "Decoded"));
    }

    [Fact]
    public void NonTokenColumnsAreRejectedNamingTheColumn()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Ml.Transforms.Text.DecodeTokens("Decoded", "Text").Fit(Texts(["a"])));
        Assert.Contains("'Text'", error.Message);
    }
}
