using ArML.Tests.Support;
using ArML.Trainers.Generation;
using Xunit;

namespace ArML.Tests.Trainers.Generation;

/// <summary>Deterministic decoding against references computed from the model's forward pass.</summary>
[Collection(GenerationCollection.Name)]
public class GreedyAndBeamSearchTests(TinyGpt fixture)
{
    [Theory]
    [InlineData("the ", true)]
    [InlineData("the ", false)]
    [InlineData("", true)]
    [InlineData("a dog sees the red fox and my cat likes", true)]   // longer than the context (16): left-truncated, then sliding
    public void GreedyFollowsTheArgMaxPath(string prompt, bool useCache)
    {
        var lm = fixture.Lm;
        var ids = Encode(prompt);
        var expected = DecodingReference.Greedy(lm, DecodingReference.Prefix(lm, ids), ids, 40);
        var generated = Generator().Tokens.Generate(ids, new GenerationOptions { Temperature = 0, MaxNewTokens = 40, UseCache = useCache }).Single();
        Assert.Equal(expected, generated.TokenIds);
        Assert.Equal(Generator().Codec.Decode(expected.ToArray()), generated.Text);
        Assert.Equal(expected.Count < 40 ? GenerationFinishReason.EndOfRow : GenerationFinishReason.Length, generated.FinishReason);
        Assert.NotEmpty(expected);
    }

    [Fact]
    public void AnEmptyPromptStartsFromTheBeginningOfARow()
    {
        var lm = fixture.Lm;
        string text = Generator().Generate("", new GenerationOptions { Temperature = 0, MaxNewTokens = 30 });
        var expected = DecodingReference.Greedy(lm, [lm.SeparatorId], [], 30);
        Assert.Equal(Generator().Codec.Decode(expected.ToArray()), text);
        Assert.NotEqual("", text);
    }

    [Fact]
    public void RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfSeenTokens()
    {
        var lm = fixture.Lm;
        var ids = Encode("the cat ");
        const double penalty = 3.0;
        var expected = DecodingReference.Greedy(lm, DecodingReference.Prefix(lm, ids), ids, 40, (scores, row) =>
        {
            foreach (int t in row.Distinct()) scores[t] = scores[t] > 0 ? scores[t] / penalty : scores[t] * penalty;
        });
        var plain = DecodingReference.Greedy(lm, DecodingReference.Prefix(lm, ids), ids, 40);
        var generated = Generator().Tokens.Generate(ids, new GenerationOptions { Temperature = 0, MaxNewTokens = 40, RepetitionPenalty = penalty }).Single();
        Assert.Equal(expected, generated.TokenIds);
        Assert.NotEqual(plain, expected);
    }

    [Fact]
    public void NoRepeatNGramSizeForbidsRepeatedNGrams()
    {
        var ids = Encode("the ");
        var plain = Generator().Tokens.Generate(ids, new GenerationOptions { Temperature = 0, MaxNewTokens = 60 }).Single();
        var banned = Generator().Tokens.Generate(ids, new GenerationOptions { Temperature = 0, MaxNewTokens = 60, NoRepeatNGramSize = 3 }).Single();
        Assert.True(HasRepeatedTrigram([.. ids, .. plain.TokenIds]) || plain.FinishReason == GenerationFinishReason.EndOfRow,
            "greedy decoding of the tiny model repeats itself (or ends), so the ban has something to do");
        Assert.False(HasRepeatedTrigram([.. ids, .. banned.TokenIds]));
        Assert.NotEmpty(banned.TokenIds);
    }

    [Fact]
    public void OneBeamIsGreedy()
    {
        var generator = Generator();
        var options = new GenerationOptions { MaxNewTokens = 30 };
        string greedy = generator.Generate("my ", new GenerationOptions { Temperature = 0, MaxNewTokens = 30 });
        options.BeamCount = 1;
        options.Temperature = 0;
        Assert.Equal(greedy, generator.Generate("my ", options));
    }

    [Fact]
    public void WideBeamsFindTheBestSequencesOfAnExhaustiveSearch()
    {
        // A small untrained model, scaled so that its hypotheses are far apart.
        using var lm = RandomGpt.Create(tokens: 5, context: 8, seed: 4, scale: 6);
        int[] prompt = [1, 2];
        var prefix = DecodingReference.Prefix(lm, prompt);
        ExhaustiveBeamSearch.AssertBeamsAreTheBestHypotheses(lm, prompt, row => RandomGpt.CandidateLogProbabilities(lm, [.. prefix, .. row]));
    }

    [Fact]
    public void BeamSearchBeatsGreedyOnTheModelsOwnScore()
    {
        var lm = fixture.Lm;
        var ids = Encode("a ");
        var options = new GenerationOptions { MaxNewTokens = 12, LengthPenalty = 0 };
        var greedy = Generator().Tokens.Generate(ids, new GenerationOptions { Temperature = 0, MaxNewTokens = 12 }).Single();
        options.BeamCount = 6;
        var beam = Generator().Tokens.Generate(ids, options).Single();
        Assert.True(LogProbability(beam) >= LogProbability(greedy) - 1e-4, $"beam {LogProbability(beam)} vs greedy {LogProbability(greedy)}");

        double LogProbability(GeneratedSequence s)
        {
            var row = DecodingReference.Prefix(lm, ids).ToList();
            double total = 0;
            foreach (int t in s.TokenIds)
            {
                total += RandomGpt.CandidateLogProbabilities(lm, row)[t];
                row.Add(t);
            }
            if (s.FinishReason == GenerationFinishReason.EndOfRow) total += RandomGpt.CandidateLogProbabilities(lm, row)[lm.Vocabulary.TokenKeyCount];
            return total;
        }
    }

    private TextGenerator Generator() => fixture.Ml.LanguageModeling().CreateTextGenerator(fixture.Model);

    private List<int> Encode(string text)
    {
        var ids = new List<int>();
        Generator().Codec.Encode(text, ids);   // the model's ids
        return ids;
    }

    private static bool HasRepeatedTrigram(IReadOnlyList<int> row)
    {
        var seen = new HashSet<(int, int, int)>();
        for (int i = 0; i + 3 <= row.Count; i++)
            if (!seen.Add((row[i], row[i + 1], row[i + 2]))) return true;
        return false;
    }
}
