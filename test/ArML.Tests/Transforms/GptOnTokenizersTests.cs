using ArML.Persistence;
using ArML.Synthetic;
using ArML.Tests.Support;
using ArML.Transforms.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Transforms;

/// <summary>An ArML GPT trains on the output of each kind of tokenizer, scores rows, and survives save/load.</summary>
public class GptOnTokenizersTests
{
    public static TheoryData<string> Kinds => new(["gpt2", "bpe", "word", "character"]);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void GptTrainsScoresAndReloadsOnEachTokenizer(string kind)
    {
        var ml = new MLContext(seed: 3);
        var source = MarkovTextSource.CreateDefault(seed: 2);
        var train = ml.Data.LoadFromEnumerable(source.Sample(200, seed: 1).Select(t => new TextRow { Text = t }).ToList());
        var valid = ml.Data.LoadFromEnumerable(source.Sample(30, seed: 2).Select(t => new TextRow { Text = t }).ToList());
        IEstimator<ITransformer> tokenizer = kind switch
        {
            "gpt2" => ml.Transforms.Text.TokenizeToIds("Tokens", "Text", "gpt2"),
            "bpe" => ml.Transforms.Text.TrainTokenizer("Tokens", "Text", new TokenizerTrainerOptions { VocabularySize = 400 }),
            "word" => ml.Transforms.Text.TrainTokenizer("Tokens", "Text", new TokenizerTrainerOptions { Kind = TokenizerKind.Word }),
            _ => ml.Transforms.Text.TokenizeCharacters("Tokens", "Text"),
        };
        // The 50k-token embedding makes gpt2 steps slower; fewer of them still leave a clear margin.
        var model = tokenizer.Append(ml.LanguageModeling().Trainers.Gpt(TinyGpt.Options(iterations: kind == "gpt2" ? 25 : 40))).Fit(train);
        using var gpt = model.LastTransformer;
        var vocabularySize = ((TokenizerTransformer)model.First()).Vocabulary.VocabularySize;

        var scored = model.Transform(valid);
        var metrics = ml.LanguageModeling().Evaluate(scored);
        var ids = TinyGpt.TokenIds(((TokenizerTransformer)model.First()).Transform(valid));
        Assert.Equal(ids.Sum(r => r.Length + 1), metrics.TokenCount); // each row's tokens plus its end
        Assert.True(double.IsFinite(metrics.Perplexity));
        // Far below a uniform guess over the vocabulary (+1 for the row separator): the model learned from these ids.
        Assert.True(metrics.Perplexity < 0.6 * (vocabularySize + 1), $"perplexity {metrics.Perplexity} with {vocabularySize} tokens");

        // Generation decodes through the tokenizer's own codec: byte-level text comes back as text, not as key values.
        var tokenizerCodec = ((TokenizerTransformer)model.First()).Vocabulary;
        var continuation = gpt.Generate("the fox ", maxNewTokens: 12, temperature: 0);
        var expectedIds = gpt.GenerateTokens(Encode(tokenizerCodec, "the fox "), maxNewTokens: 12, temperature: 0);
        Assert.Equal(tokenizerCodec.Decode(expectedIds), continuation);
        if (kind == "gpt2") Assert.DoesNotContain('Ġ', continuation);

        using var stream = new MemoryStream();
        ml.Model.SaveArml(model, train.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.LoadArml(stream, out _);
        try
        {
            Assert.Equal(TinyGpt.Scores(scored), TinyGpt.Scores(loaded.Transform(valid)));
        }
        finally
        {
            foreach (var part in (TransformerChain<ITransformer>)loaded) (part as IDisposable)?.Dispose();
        }
    }

    private static int[] Encode(ArML.Text.ITokenCodec codec, string text)
    {
        var ids = new List<int>();
        codec.Encode(text, ids);
        return ids.ToArray();
    }
}
