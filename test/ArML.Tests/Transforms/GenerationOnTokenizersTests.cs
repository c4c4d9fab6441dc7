using ArML.Persistence;
using ArML.Synthetic;
using ArML.Tests.Support;
using ArML.Text;
using ArML.Trainers;
using ArML.Trainers.NGram;
using ArML.Transforms.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Transforms;

/// <summary>
/// Generate(prompt) with spaces works for every tokenizer kind, on GPT, LSTM and n-gram models, before and after
/// SaveArml/LoadArml, whether the language model is saved inside the chain or alone.
/// </summary>
public class GenerationOnTokenizersTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string kind in new[] { "bpe", "gpt2", "word", "word-whitespace", "character" })
            foreach (string model in new[] { "gpt", "ngram" })
                data.Add(kind, model);
        data.Add("bpe", "lstm");
        return data;
    }

    private static IEstimator<ITransformer> Tokenizer(MLContext ml, string kind) => kind switch
    {
        "bpe" => ml.Transforms.Text.TrainTokenizer("Tokens", "Text", new TokenizerTrainerOptions { VocabularySize = 300 }),
        "gpt2" => ml.Transforms.Text.TokenizeToIds("Tokens", "Text", "gpt2"),
        "word" => ml.Transforms.Text.TrainTokenizer("Tokens", "Text", new TokenizerTrainerOptions { Kind = TokenizerKind.Word }),
        "word-whitespace" => ml.Transforms.Text.TrainTokenizer("Tokens", "Text",
            new TokenizerTrainerOptions { Kind = TokenizerKind.Word, WordSplitting = WordSplitting.Whitespace }),
        _ => ml.Transforms.Text.TokenizeCharacters("Tokens", "Text"),
    };

    private static IEstimator<ITransformer> LanguageModel(MLContext ml, string model) => model switch
    {
        "gpt" => ml.LanguageModeling().Trainers.Gpt(TinyGpt.Options(iterations: 3)),
        "lstm" => ml.LanguageModeling().Trainers.Lstm(TinyLstm.Options(iterations: 3)),
        _ => ml.LanguageModeling().Trainers.NGram("Tokens", order: 3),
    };

    private static string Generate(ITransformer model, string prompt) => model switch
    {
        LanguageModelTransformer lm => lm.Generate(prompt, maxNewTokens: 8, temperature: 1.0, seed: 5),
        NGramTransformer ngram => ngram.Generate(prompt, maxNewTokens: 8, temperature: 1.0, seed: 5),
        _ => throw new InvalidOperationException(model.GetType().Name),
    };

    private static ITransformer SaveAndLoad(MLContext ml, ITransformer model, DataViewSchema schema)
    {
        using var stream = new MemoryStream();
        ml.Model.SaveArml(model, schema, stream);
        stream.Position = 0;
        return ml.Model.LoadArml(stream, out _);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GenerateFromAPromptWithSpacesGivesTheSameTextAfterSaveAndLoad(string kind, string modelKind)
    {
        var ml = new MLContext(seed: 3);
        var train = ml.Data.LoadFromEnumerable(MarkovTextSource.CreateDefault(seed: 2).Sample(120, seed: 1).Select(t => new TextRow { Text = t }).ToList());
        var chain = Tokenizer(ml, kind).Append(LanguageModel(ml, modelKind)).Fit(train);
        var tokenized = ((ITransformer)chain.First()).Transform(train);
        var model = chain.Last();
        const string prompt = "the quick fox  and the dog ";
        // Before: the n-gram model (any tokenizer but characters) and every loaded byte-level model threw on the spaces.
        string before = Generate(model, prompt);
        var codec = ((TokenizerTransformer)chain.First()).Vocabulary;
        Assert.Same(codec, model is LanguageModelTransformer lm ? lm.Codec : ((NGramTransformer)model).Codec);

        var loadedChain = (TransformerChain<ITransformer>)SaveAndLoad(ml, chain, train.Schema);
        var loadedAlone = SaveAndLoad(ml, model, tokenized.Schema);
        try
        {
            Assert.Equal(before, Generate(loadedChain.Last(), prompt));
            Assert.Equal(before, Generate(loadedAlone, prompt));
            // The loaded codec encodes as the tokenizer does.
            var loadedCodec = loadedAlone is LanguageModelTransformer l ? l.Codec! : ((NGramTransformer)loadedAlone).Codec!;
            Assert.Equal(codec.Encode(prompt), Encode(loadedCodec, prompt));
        }
        finally
        {
            foreach (var part in loadedChain) (part as IDisposable)?.Dispose();
            (loadedAlone as IDisposable)?.Dispose();
            (model as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public void ASavedCodecOfAnotherSizeThanTheColumnIsAFormatError()
    {
        var ml = new MLContext(seed: 3);
        var train = ml.Data.LoadFromEnumerable(MarkovTextSource.CreateDefault(seed: 2).Sample(60, seed: 1).Select(t => new TextRow { Text = t }).ToList());
        var chain = Tokenizer(ml, "character").Append(LanguageModel(ml, "ngram")).Fit(train);
        var ngram = (NGramTransformer)chain.Last();
        var forged = new NGramTransformer(ngram.TokenColumnName, ngram.KeyCount, ngram.Vocabulary, ngram.Model, 8, new WordVocabulary(["a", "b"]));
        var error = Assert.Throws<ArmlModelFormatException>(() => SaveAndLoad(ml, forged, ((ITransformer)chain.First()).Transform(train).Schema));
        Assert.Contains($"token codec of 3 tokens for a column of {ngram.KeyCount} keys", error.Message);
    }

    private static int[] Encode(ITokenCodec codec, string text)
    {
        var ids = new List<int>();
        codec.Encode(text, ids);
        return ids.ToArray();
    }
}
