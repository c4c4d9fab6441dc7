using ArML.Persistence;
using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Generation;
using ArML.Trainers.NGram;
using Microsoft.Extensions.AI;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Trainers.Generation;

/// <summary>Every entry point and every strategy of generation, on every language-model family.</summary>
public class EveryFamilyGenerationTests(EveryFamily fixture) : IClassFixture<EveryFamily>
{
    public sealed class PromptRow
    {
        public string Prompt { get; set; } = "";
    }

    private const string Prompt = "the ";

    [Theory]
    [MemberData(nameof(EveryFamily.Names), MemberType = typeof(EveryFamily))]
    public async Task AFixedSeedGivesTheSameTextThroughEveryEntryPoint(string family)
    {
        var ml = fixture.Ml;
        var model = fixture.Model(family);
        var generator = ml.LanguageModeling().CreateTextGenerator(model);
        var options = new GenerationOptions { Temperature = 0.9, MaxNewTokens = 25, Seed = 17 };
        string text = generator.Generate(Prompt, options);
        Assert.NotEqual("", text);

        // The family's own shortcut.
        string shortcut = ((IEnumerable<ITransformer>)model).Last() switch
        {
            LanguageModelTransformer lm => lm.Generate(Prompt, 25, 0.9, seed: 17),
            NGramTransformer ngram => ngram.Generate(Prompt, 25, 0.9, seed: 17),
            var other => throw new InvalidOperationException(other.GetType().Name),
        };
        Assert.Equal(text, shortcut);

        // Streaming.
        var pieces = new List<string>();
        await foreach (string piece in generator.GenerateStreamingAsync(Prompt, options)) pieces.Add(piece);
        Assert.Equal(text, string.Concat(pieces));

        // The pipeline transform: row r draws from the seed derived for it.
        var data = ml.Data.LoadFromEnumerable([new PromptRow { Prompt = Prompt }]);
        var column = ml.LanguageModeling().Generate("Generated", "Prompt", model, options).Fit(data).Transform(data).GetColumn<string>("Generated").Single();
        var rowOptions = options.Clone();
        rowOptions.Seed = GenerationSeeds.Derive(17, 0);
        Assert.Equal(generator.Generate(Prompt, rowOptions), column);

        // A saved and loaded model.
        var stream = new MemoryStream();
        ml.Model.SaveArml(model, fixture.Train.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.LoadArml(stream, out _);
        try
        {
            Assert.Equal(text, ml.LanguageModeling().CreateTextGenerator(loaded).Generate(Prompt, options));
        }
        finally
        {
            (loaded as IEnumerable<ITransformer>)?.OfType<IDisposable>().ToList().ForEach(d => d.Dispose());
        }

        // Without a seed, the MLContext's seeded source decides: two contexts of the same seed agree.
        var unseeded = new GenerationOptions { Temperature = 0.9, MaxNewTokens = 25 };
        Assert.Equal(new MLContext(seed: 3).LanguageModeling().CreateTextGenerator(model).Generate(Prompt, unseeded),
            new MLContext(seed: 3).LanguageModeling().CreateTextGenerator(model).Generate(Prompt, unseeded));
    }

    [Theory]
    [MemberData(nameof(EveryFamily.Names), MemberType = typeof(EveryFamily))]
    public async Task EveryStrategyDecodesEveryFamily(string family)
    {
        var generator = fixture.Ml.LanguageModeling().CreateTextGenerator(fixture.Model(family));
        var plain = new GenerationOptions { Temperature = 1.0, MaxNewTokens = 30, Seed = 2 };
        string text = generator.Generate(Prompt, plain);

        // A stop sequence cuts the same draws where it first appears.
        int at = Math.Min(3, text.Length - 2);
        Assert.True(at >= 0, $"'{text}' is too short to take a stop sequence from");
        string stop = text.Substring(at, 2);
        var stopped = plain.Clone();
        stopped.StopSequences = [stop];
        var result = generator.Tokens.Generate(Encode(generator, Prompt), stopped).Single();
        Assert.Equal(text[..text.IndexOf(stop, StringComparison.Ordinal)], result.Text);
        Assert.Equal(GenerationFinishReason.StopSequence, result.FinishReason);

        // Greedy follows the arg-max of the model's logits, recomputed from the whole row at every step.
        var greedy = new GenerationOptions { Temperature = 0, MaxNewTokens = 12 };
        Assert.Equal(ArgMaxPath(generator.Tokens.Model, Encode(generator, Prompt), 12), generator.Tokens.Generate(Encode(generator, Prompt), greedy).Single().TokenIds);

        // Filters and penalties: deterministic under a seed, and top-k 1 is greedy.
        foreach (var options in new[]
        {
            new GenerationOptions { TopK = 3, TopP = 0.9, MinP = 0.05, Seed = 4, MaxNewTokens = 20 },
            new GenerationOptions { RepetitionPenalty = 1.5, NoRepeatNGramSize = 2, Seed = 4, MaxNewTokens = 20 },
        })
            Assert.Equal(generator.Generate(Prompt, options), generator.Generate(Prompt, options));
        Assert.Equal(generator.Generate(Prompt, greedy), generator.Generate(Prompt, new GenerationOptions { TopK = 1, Seed = 9, MaxNewTokens = 12 }));

        // Beam search returns distinct beams (exhaustive-search checks: GreedyAndBeamSearchTests, StatefulStepDecodingTests, NGramStepDecodingTests).
        var beams = generator.Tokens.Generate(Encode(generator, Prompt), new GenerationOptions { BeamCount = 4, NumberOfSequences = 3, MaxNewTokens = 8 });
        Assert.Equal(3, beams.Count);
        Assert.Equal(3, beams.Select(b => string.Join(",", b.TokenIds)).Distinct().Count());

        // The chat client continues the rendered conversation.
        using var client = generator.AsChatClient();
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "the cat")], new ChatOptions { Temperature = 0, MaxOutputTokens = 10 });
        string rendered = new TranscriptChatTemplate().Render([new ChatMessage(ChatRole.User, "the cat")], null);
        Assert.Equal(generator.Generate(rendered, new GenerationOptions { Temperature = 0, MaxNewTokens = 10, StopSequences = ["\nUser:"] }), response.Text);
    }

    private static List<int> ArgMaxPath(IStepDecodingModel model, int[] prompt, int steps)
    {
        var row = model.BeginRow(prompt, null).ToList();
        var generated = new List<int>();
        var logits = new float[model.LogitCount];
        while (generated.Count < steps)
        {
            using var decoder = model.CreateDecoder(StepDecoderMode.Recompute);
            decoder.Prefill([row], logits);
            var candidates = Enumerable.Range(0, model.TokenCount).Where(t => t != model.UnknownTokenId).Append(model.EndOfRowId);
            int best = candidates.MaxBy(c => logits[c]);
            if (best == model.EndOfRowId) break;
            generated.Add(best);
            row.Add(best);
        }
        return generated;
    }

    private static int[] Encode(TextGenerator generator, string text)
    {
        var ids = new List<int>();
        generator.Codec.Encode(text, ids);
        return ids.ToArray();
    }
}
