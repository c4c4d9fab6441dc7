using ArML.Text;
using ArML.Persistence;
using ArML.Tests.Support;
using ArML.Trainers.Generation;
using ArML.Trainers.Gpt;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Trainers.Generation;

/// <summary>Finding the tokenizer and the model in pipelines, and conditional generation.</summary>
[Collection(GenerationCollection.Name)]
public class TextGeneratorTests(TinyGpt fixture)
{
    private static readonly GenerationOptions Greedy = new() { Temperature = 0, MaxNewTokens = 30 };

    [Fact]
    public void AGeneratorFromAFittedChainUsesItsTokenizer()
    {
        var generator = fixture.Ml.LanguageModeling().CreateTextGenerator(fixture.Model);
        // Generation works in the model's ids: the tokenizer's codec, mapped through the model's compact vocabulary.
        Assert.Same(fixture.Tokenizer.Vocabulary, Assert.IsType<KeyMappedCodec>(generator.Codec).ColumnCodec);
        Assert.Same(fixture.Lm, generator.Tokens.Model);
        // A character the tokenizer never saw becomes its unknown id rather than an error.
        Assert.NotNull(generator.Generate("the Ω", Greedy));
    }

    [Fact]
    public void TheLanguageModelAloneUsesTheCodecItWasTrainedWith()
    {
        // The token column carried its tokenizer's codec at training time, so the model alone decodes exactly.
        var generator = fixture.Ml.LanguageModeling().CreateTextGenerator(fixture.Gpt);
        Assert.Same(fixture.Gpt.Codec, Assert.IsType<KeyMappedCodec>(generator.Codec).ColumnCodec);
        Assert.Same(fixture.Tokenizer.Vocabulary, fixture.Gpt.Codec);
        Assert.Equal(fixture.Ml.LanguageModeling().CreateTextGenerator(fixture.Model).Generate("the ", Greedy), generator.Generate("the ", Greedy));
    }

    [Fact]
    public void ALoadedModelGeneratesWhatTheOriginalDoes()
    {
        using var stream = new MemoryStream();
        fixture.Ml.Model.SaveArml(fixture.Model, fixture.Train.Schema, stream);
        stream.Position = 0;
        var loaded = fixture.Ml.Model.LoadArml(stream, out _);
        try
        {
            var original = fixture.Ml.LanguageModeling().CreateTextGenerator(fixture.Model);
            var reloaded = fixture.Ml.LanguageModeling().CreateTextGenerator(loaded);
            var sampled = new GenerationOptions { MaxNewTokens = 40, Seed = 9 };
            Assert.Equal(original.Generate("a ", Greedy), reloaded.Generate("a ", Greedy));
            Assert.Equal(original.Generate("a ", sampled), reloaded.Generate("a ", sampled));
        }
        finally
        {
            foreach (var part in (IEnumerable<ITransformer>)loaded) (part as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public void ModelsWithoutALanguageModelOrTextAreRejected()
    {
        var catalog = fixture.Ml.LanguageModeling();
        var e = Assert.Throws<ArgumentException>(() => catalog.CreateTextGenerator(fixture.Tokenizer));
        Assert.Contains("no language model", e.Message);

        // Token ids from a column without key values cannot become text.
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new KeyRow { Tokens = [1, 2, 3] }, new KeyRow { Tokens = [2, 3] } });
        var options = TinyGpt.Options(iterations: 1);
        using var model = ml.LanguageModeling().Trainers.Gpt(options).Fit(data);
        var missing = Assert.Throws<InvalidOperationException>(() => ml.LanguageModeling().CreateTextGenerator(model));
        Assert.Contains("'Tokens'", missing.Message);
        Assert.Single(new TokenGenerator((IStepDecodingModel)model.Model).Generate([0, 1], new GenerationOptions { Temperature = 0, MaxNewTokens = 3 }));
    }

    [Fact]
    public void ConditionalModelsGenerateFromTheirConditionFirst()
    {
        using var lm = RandomGpt.Create(tokens: 8, context: 8, conditions: 3, seed: 7, scale: 8);
        var generator = new TokenGenerator(lm);
        int[] prompt = [1, 2];
        var paths = new List<string>();
        foreach (int condition in new[] { 0, 2 })
        {
            var prefix = new[] { lm.Vocabulary.ConditionToken(condition), lm.SeparatorId, 1, 2 };
            var expected = DecodingReference.Greedy(lm, prefix, prompt, 12);
            Assert.Equal(expected, generator.Generate(prompt, new GenerationOptions { Temperature = 0, MaxNewTokens = 12 }, [condition]).Single().TokenIds);
            paths.Add(string.Join(",", expected));
        }
        var unconditioned = DecodingReference.Greedy(lm, DecodingReference.Prefix(lm, prompt), prompt, 12);
        Assert.Equal(unconditioned, generator.Generate(prompt, new GenerationOptions { Temperature = 0, MaxNewTokens = 12 }).Single().TokenIds);
        paths.Add(string.Join(",", unconditioned));
        Assert.Equal(3, paths.Distinct().Count());   // the condition changes the continuation
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.Generate(prompt, Greedy, [3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.Generate([8], Greedy));
    }

    [Fact]
    public void UnconditionalModelsRefuseAConditionAndConditionListsMustMatchThePrompts()
    {
        var generator = fixture.Ml.LanguageModeling().CreateTextGenerator(fixture.Model);
        Assert.Throws<ArgumentException>(() => generator.Generate("a", Greedy, condition: [0]));
        Assert.Throws<ArgumentException>(() => generator.Generate(["a", "b"], Greedy, conditions: [null]));
        Assert.Throws<ArgumentException>(() => generator.Generate("a", new GenerationOptions { NumberOfSequences = 2 }));
    }

    [Fact]
    public void ALeftTruncatedPromptIsLoggedToTheMLContext()
    {
        var ml = new MLContext(seed: 3);
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        var generator = ml.LanguageModeling().CreateTextGenerator(fixture.Model);
        generator.Generate("a dog sees the red fox and my cat likes the boat", Greedy);
        lock (messages) Assert.Contains(messages, m => m.Contains("more than the context (16)"));
    }

    [Fact]
    public void ZeroNewTokensGivesEmptyText()
    {
        var generator = fixture.Ml.LanguageModeling().CreateTextGenerator(fixture.Model);
        var result = generator.Generate(["the "], new GenerationOptions { MaxNewTokens = 0 }).Single();
        Assert.Equal("", result.Text);
        Assert.Equal(GenerationFinishReason.Length, result.FinishReason);
    }

    private sealed class KeyRow
    {
        [KeyType(3)]
        [VectorType]
        public uint[] Tokens { get; set; } = [];
    }
}
