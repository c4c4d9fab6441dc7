using ArML.Tests.Support;
using ArML.Trainers.Generation;
using Xunit;

namespace ArML.Tests.Trainers.Generation;

/// <summary>Sampled next tokens against the model's own softmax, and the filters that shape it.</summary>
[Collection(GenerationCollection.Name)]
public class SamplingTests(TinyGpt fixture)
{
    private const int Samples = 3000;

    public static TheoryData<string> Filters => ["plain", "temperature 0.7", "top-k 3", "top-p 0.6", "min-p 0.2"];

    [Theory]
    [MemberData(nameof(Filters))]
    public void SampledFrequenciesMatchTheFilteredSoftmax(string filter)
    {
        var (options, expected) = Setup(filter);
        var counts = SampleFirstTokens(options);

        // Nothing outside the filtered support is ever drawn (for top-p: nothing outside the nucleus).
        for (int c = 0; c < counts.Length; c++)
            if (expected[c] == 0) Assert.True(counts[c] == 0, $"{filter}: candidate {c} is outside the kept set but was drawn {counts[c]} times");
        Assert.True(counts.Count(n => n > 0) >= 2, $"{filter}: the test needs a distribution over several candidates");
        var (statistic, df) = DecodingReference.ChiSquare(counts, expected);
        Assert.True(statistic < DecodingReference.ChiSquareCritical(df), $"{filter}: chi-square {statistic:F1} with {df} degrees of freedom");
    }

    [Fact]
    public void TheChiSquareCheckRejectsTheWrongDistribution()
    {
        var counts = SampleFirstTokens(new GenerationOptions { Temperature = 1.0 });
        var colder = DecodingReference.Tempered(FirstStepLogProbabilities(), 0.5);
        var (statistic, df) = DecodingReference.ChiSquare(counts, colder);
        Assert.True(statistic > 10 * DecodingReference.ChiSquareCritical(df), $"chi-square {statistic:F1} with {df} degrees of freedom");
    }

    [Fact]
    public void TopKOneEqualsGreedy()
    {
        var generator = Generator();
        string greedy = generator.Generate("the ", new GenerationOptions { Temperature = 0, MaxNewTokens = 30 });
        for (int seed = 0; seed < 5; seed++)
            Assert.Equal(greedy, generator.Generate("the ", new GenerationOptions { TopK = 1, Temperature = 1.5, MaxNewTokens = 30, Seed = seed }));
    }

    [Fact]
    public void TheSameSeedGivesTheSameTextAndSeedsDiffer()
    {
        var generator = Generator();
        var options = new GenerationOptions { MaxNewTokens = 40, Seed = 17 };
        Assert.Equal(generator.Generate("a ", options), generator.Generate("a ", options));
        var texts = Enumerable.Range(0, 6).Select(s => generator.Generate("a ", new GenerationOptions { MaxNewTokens = 40, Seed = s })).ToHashSet();
        Assert.True(texts.Count >= 3, string.Join(" | ", texts));
    }

    [Fact]
    public void AMLContextSeedMakesUnseededGenerationRepeatable()
    {
        string Draw() => new Microsoft.ML.MLContext(seed: 5).LanguageModeling().CreateTextGenerator(fixture.Model)
            .Generate("the ", new GenerationOptions { MaxNewTokens = 40 });
        Assert.Equal(Draw(), Draw());
    }

    [Fact]
    public void SequencesOfABatchDoNotDependOnTheRestOfTheBatch()
    {
        var generator = Generator();
        string[] prompts = ["", "the ", "a dog sees the red boat and the fox", "my"];
        var options = new GenerationOptions { MaxNewTokens = 25, Seed = 3, NumberOfSequences = 2 };
        var batch = generator.Generate(prompts, options);
        Assert.Equal(prompts.Length * 2, batch.Count);
        for (int p = 0; p < prompts.Length; p++)
        {
            var alone = generator.Generate([prompts[p]], options);
            for (int j = 0; j < 2; j++)
            {
                var s = batch[p * 2 + j];
                Assert.Equal((p, j), (s.PromptIndex, s.SequenceIndex));
                Assert.Equal(alone[j].Text, s.Text);
            }
        }
    }

    private (GenerationOptions Options, double[] Expected) Setup(string filter)
    {
        var logp = FirstStepLogProbabilities();
        var plain = DecodingReference.Tempered(logp, 1.0);
        return filter switch
        {
            "plain" => (new GenerationOptions(), plain),
            "temperature 0.7" => (new GenerationOptions { Temperature = 0.7 }, DecodingReference.Tempered(logp, 0.7)),
            "top-k 3" => (new GenerationOptions { TopK = 3 }, TopK(plain, 3)),
            "top-p 0.6" => (new GenerationOptions { TopP = 0.6 }, Nucleus(plain, 0.6)),
            "min-p 0.2" => (new GenerationOptions { MinP = 0.2 }, DecodingReference.Restrict(plain, (_, p) => p >= 0.2 * plain.Max())),
            _ => throw new ArgumentException(filter),
        };
    }

    private static double[] TopK(double[] p, int k)
    {
        var kept = Enumerable.Range(0, p.Length).OrderByDescending(i => p[i]).Take(k).ToHashSet();
        return DecodingReference.Restrict(p, (c, _) => kept.Contains(c));
    }

    private static double[] Nucleus(double[] p, double topP)
    {
        var nucleus = DecodingReference.Nucleus(p, topP);
        Assert.InRange(nucleus.Count, 2, p.Length - 1);   // a real restriction, and a real choice
        return DecodingReference.Restrict(p, (c, _) => nucleus.Contains(c));
    }

    private TextGenerator Generator() => fixture.Ml.LanguageModeling().CreateTextGenerator(fixture.Model);

    private List<int> PromptIds()
    {
        var ids = new List<int>();
        Generator().Codec.Encode("the ", ids);   // the model's ids
        return ids;
    }

    private double[] FirstStepLogProbabilities()
    {
        var lm = fixture.Lm;
        return RandomGpt.CandidateLogProbabilities(lm, DecodingReference.Prefix(lm, PromptIds()));
    }

    // One decoding step for many sequences at once: counts of each candidate (tokens, then the end of the row).
    private int[] SampleFirstTokens(GenerationOptions options)
    {
        options.MaxNewTokens = 1;
        options.NumberOfSequences = Samples;
        options.Seed = 11;
        var lm = fixture.Lm;
        int tokens = lm.Vocabulary.TokenKeyCount;
        var counts = new int[tokens + 1];
        foreach (var s in Generator().Tokens.Generate(PromptIds(), options))
            counts[s.TokenIds.Count == 1 ? s.TokenIds[0] : tokens]++;
        return counts;
    }
}
