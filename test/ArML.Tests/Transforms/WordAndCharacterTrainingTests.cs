using ArML.Transforms.Text;
using Xunit;
using static ArML.Tests.Transforms.TokenizeHelpers;

namespace ArML.Tests.Transforms;

public class WordAndCharacterTrainingTests
{
    [Fact]
    public void WordVocabularyKeepsFrequentWordsByCountThenOrdinal()
    {
        var rows = new[] { "b a a c", "a b d, e", "𝐤𝐤 a." };
        // counts: a 4, b 2, c 1, d 1, e 1, ',' 1, '.' 1, '𝐤𝐤' 1 (one word: astral letters are letters)
        var options = new TokenizerTrainerOptions { Kind = TokenizerKind.Word, MinimumWordCount = 1, MaximumVocabularySize = 6, SpecialTokens = ["<eos>"] };
        var vocabulary = (WordVocabulary)Ml.Transforms.Text.TrainTokenizer("Tokens", "Text", options).Fit(Texts(rows)).Vocabulary;
        Assert.Equal(["<unk>", "<eos>", "a", "b", ",", "."], vocabulary.Tokens);

        options.MaximumVocabularySize = null;
        options.MinimumWordCount = 2;
        vocabulary = (WordVocabulary)Ml.Transforms.Text.TrainTokenizer("Tokens", "Text", options).Fit(Texts(rows)).Vocabulary;
        Assert.Equal(["a", "b"], vocabulary.Words);

        options.MinimumWordCount = 1;
        vocabulary = (WordVocabulary)Ml.Transforms.Text.TrainTokenizer("Tokens", "Text", options).Fit(Texts(rows)).Vocabulary;
        Assert.Contains("𝐤𝐤", vocabulary.Words);
        Assert.Equal([vocabulary.Tokens.ToList().IndexOf("𝐤𝐤"), vocabulary.Tokens.ToList().IndexOf("a")], vocabulary.Encode("𝐤𝐤 a"));
    }

    [Fact]
    public void CharacterKindIsTokenizeCharactersWithSpecialTokensAfterUnknown()
    {
        var rows = Texts(["cab", "b😀"]);
        var viaCatalog = Ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(rows);
        var viaOptions = Ml.Transforms.Text.TrainTokenizer("Tokens", "Text", new TokenizerTrainerOptions { Kind = TokenizerKind.Character }).Fit(rows);
        Assert.Equal(((CharacterVocabulary)viaCatalog.Vocabulary).Tokens, ((CharacterVocabulary)viaOptions.Vocabulary).Tokens);

        var withSpecials = Ml.Transforms.Text.TrainTokenizer("Tokens", "Text",
            new TokenizerTrainerOptions { Kind = TokenizerKind.Character, SpecialTokens = ["<bos>"] },
            new TokenizeOptions { BeginOfSequenceToken = "<bos>" }).Fit(rows);
        Assert.Equal(["<unk>", "<bos>", "a", "b", "c", "😀"], ((CharacterVocabulary)withSpecials.Vocabulary).Tokens);
        Assert.Equal([1, 2, 3, 0], Ids(withSpecials.Transform(Texts(["abz"])))[0]);
    }
}
