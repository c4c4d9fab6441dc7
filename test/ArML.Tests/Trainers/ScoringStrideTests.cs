using ArML.Persistence;
using ArML.Tests.Support;
using ArML.Trainers;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Trainers;

public class ScoringStrideTests(TinyGpt fixture) : IClassFixture<TinyGpt>
{
    /// <summary>Rows three to four times the context (16), so windows really slide.</summary>
    private IDataView LongRows() => fixture.Tokenizer.Transform(fixture.Ml.Data.LoadFromEnumerable(
        new[] { "the red fox sees the dog and the cat likes the big boat", "a small hen runs and my dog sees her red cat quickly" }
            .Select(t => new TextRow { Text = t })));

    [Fact]
    public void AStridedCopyScoresAsTheModelDoesAtThatStride()
    {
        var tokens = LongRows();
        var rows = TinyGpt.ModelIds(fixture.Gpt, tokens);
        var lm = fixture.Lm;
        foreach (int stride in new[] { 1, 5, 16 })
        {
            var strided = fixture.Gpt.WithScoringStride(stride);
            Assert.Equal(stride, strided.ScoringStride);
            Assert.Same(lm, strided.Model);
            var scores = TinyGpt.Scores(strided.Transform(tokens));
            for (int i = 0; i < rows.Count; i++)
            {
                var expected = new double[1];
                var count = new int[1];
                lm.Score([rows[i]], [rows[i].Length], stride, expected, count);
                // Another batch shape than the Transform's: float32 rounding may differ (see Float32Rounding).
                Assert.Equal(expected[0], scores[i].LogLikelihood,
                    Float32Rounding.RowScore(count[0], expected[0], 4 * lm.Model.Config.EmbeddingSize, lm.Vocabulary.Size));
                Assert.Equal(rows[i].Length + 1, scores[i].TokenCount);
            }
        }
    }

    [Fact]
    public void DisposingACopyLeavesTheSharedNetworkUsable()
    {
        var tokens = LongRows();
        var before = TinyGpt.Scores(fixture.Gpt.Transform(tokens));
        fixture.Gpt.WithScoringStride(3).Dispose();
        var after = TinyGpt.Scores(fixture.Gpt.Transform(tokens));
        Assert.Equal(before, after);
    }

    [Fact]
    public void TheStrideIsValidatedAndSaved()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Gpt.WithScoringStride(0));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Gpt.WithScoringStride(17));
        Assert.Contains("1..16", error.Message);

        var strided = fixture.Gpt.WithScoringStride(2);
        var stream = new MemoryStream();
        fixture.Ml.Model.SaveArml(strided, LongRows().Schema, stream);
        stream.Position = 0;
        var loaded = (LanguageModelTransformer)fixture.Ml.Model.LoadArml(stream, out _);
        try
        {
            Assert.Equal(2, loaded.ScoringStride);
        }
        finally
        {
            loaded.Dispose();
        }
    }
}
