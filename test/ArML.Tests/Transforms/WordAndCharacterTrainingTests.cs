using ArML.Persistence;
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
    public void WhitespaceSplittingKeepsPreTokenizedWordsWholeAndIsSaved()
    {
        string[] rows = ["the company said it would n't <unk> the $ N million", "it 's <unk> n't it", "a.b c,d"];
        var options = new TokenizerTrainerOptions { Kind = TokenizerKind.Word, WordSplitting = WordSplitting.Whitespace };
        var model = Ml.Transforms.Text.TrainTokenizer("Tokens", "Text", options).Fit(Texts(rows));
        var vocabulary = (WordVocabulary)model.Vocabulary;
        Assert.Equal(WordSplitting.Whitespace, vocabulary.Splitting);
        Assert.Contains("n't", vocabulary.Words);
        Assert.Contains("'s", vocabulary.Words);
        Assert.Contains("a.b", vocabulary.Words);
        // "<unk>" in the text is the unknown token itself, whole (id 0), never "<", "unk", ">".
        Assert.DoesNotContain("unk", vocabulary.Words);
        var tokens = vocabulary.Tokens;
        string[] probe = ["would n't <unk>\t$  N\u00A0million zzz"];
        Assert.Equal(["would", "n't", "<unk>", "$", "N", "million", "<unk>"], Ids(model.Transform(Texts(probe)))[0].Select(id => tokens[id]));

        // The default split cuts the same text at punctuation.
        var split = (WordVocabulary)Ml.Transforms.Text.TrainTokenizer("Tokens", "Text", new TokenizerTrainerOptions { Kind = TokenizerKind.Word }).Fit(Texts(rows)).Vocabulary;
        Assert.Equal(WordSplitting.WordsAndPunctuation, split.Splitting);
        Assert.DoesNotContain("n't", split.Words);

        // The mode is saved: the reloaded tokenizer gives the same ids.
        using var stream = new MemoryStream();
        Ml.Model.SaveArml(model, Texts(rows).Schema, stream);
        stream.Position = 0;
        var loaded = Ml.Model.LoadArml(stream, out _);
        Assert.Equal(Ids(model.Transform(Texts(probe.Concat(rows)))), Ids(loaded.Transform(Texts(probe.Concat(rows)))));
        var reloaded = (WordVocabulary)Assert.IsType<TokenizerTransformer>(loaded).Vocabulary;
        Assert.Equal(WordSplitting.Whitespace, reloaded.Splitting);
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
