using ArML.Evaluators;
using ArML.Tests.Support;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Evaluators;

public class SlidingWindowEvaluationTests
{
    /// <summary>
    /// A source with long-range structure: each row picks one of 4 topics, then draws every letter independently,
    /// half the time from its topic's 4 letters and otherwise from the 12 others. One letter says little about the
    /// topic; each further letter of context says more, so the best achievable loss keeps falling with context length.
    /// </summary>
    private static IEnumerable<string> TopicRows(int rows, int length, int seed)
    {
        var random = new Random(seed);
        for (int r = 0; r < rows; r++)
        {
            int topic = random.Next(4);
            var text = new char[length];
            for (int i = 0; i < length; i++)
            {
                int letter = random.NextDouble() < 0.5 ? 4 * topic + random.Next(4) : (4 * topic + 4 + random.Next(12)) % 16;
                text[i] = (char)('a' + letter);
            }
            yield return new string(text);
        }
    }

    [Fact]
    public void PerplexityFallsMonotonicallyTowardTheLongContextValueAsTheStrideShrinks()
    {
        var ml = new MLContext(seed: 3);
        var train = ml.Data.LoadFromEnumerable(TopicRows(300, 96, seed: 1).Select(t => new TextRow { Text = t }));
        var test = ml.Data.LoadFromEnumerable(TopicRows(40, 160, seed: 2).Select(t => new TextRow { Text = t }));
        var options = TinyGpt.Options(iterations: 300);
        options.BatchSize = 16;
        var model = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Append(ml.LanguageModeling().Trainers.Gpt(options)).Fit(train);
        try
        {
            var tokens = model.First().Transform(test);
            var strides = new[] { 16, 8, 4, 2, 1 };
            var perplexities = strides
                .Select(s => ml.LanguageModeling().Evaluate(model.LastTransformer.WithScoringStride(s).Transform(tokens)).Perplexity)
                .ToArray();
            string report = string.Join(", ", strides.Zip(perplexities, (s, p) => $"stride {s}: {p:F5}"));
            for (int i = 1; i < strides.Length; i++)
                Assert.True(perplexities[i] < perplexities[i - 1], report);
            // The long-context value is well below the one a stride of the whole context gives (some tokens see almost no context there).
            Assert.True(perplexities[^1] < 0.99 * perplexities[0], report);
        }
        finally
        {
            model.LastTransformer.Dispose();
        }
    }
}
