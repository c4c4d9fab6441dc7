using ArML.Tests.Support;
using ArML.Text;
using ArML.Trainers;
using ArML.Transforms.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Trainers.Anomaly;

public sealed class SurprisalSpansTests(AnomalyFixture fixture) : IClassFixture<AnomalyFixture>
{
    private static readonly string[] Texts = ["the cat sat on the mat", "héllo wörld, naïve café", "emoji 😀 and ✓ marks", "", "a"];

    // The token spans (the end-of-row span aside) are contiguous and spell the text.
    private static void AssertCovers(string text, IReadOnlyList<TokenSpan> spans)
    {
        int end = 0;
        foreach (var span in spans.Take(spans.Count - 1))
        {
            Assert.Equal(end, span.Start);
            end += span.Length;
        }
        Assert.Equal(text.Length, end);
        Assert.Equal(new TokenSpan(text.Length, 0, spans[^1].Surprisal), spans[^1]);
    }

    private static double[] Numbered(ITokenCodec codec, string text)
    {
        var ids = new List<int>();
        codec.Encode(text, ids);
        return Enumerable.Range(0, ids.Count + 1).Select(i => (double)i).ToArray();
    }

    [Fact]
    public void SpansOfALosslessByteLevelBpeSpellTheText()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Texts.Concat(Texts).Select(t => new TextRow { Text = t }));
        var tokenizer = ml.Transforms.Text.TrainTokenizer("Tokens", "Text", new TokenizerTrainerOptions { VocabularySize = 300 }).Fit(data);
        var codec = TokenCodecAnnotation.CodecOf(tokenizer.Transform(data).Schema["Tokens"])!;
        foreach (var text in Texts.Append("unseen ☃ words"))
        {
            var surprisals = Numbered(codec, text);
            var spans = SurprisalSpans.Map(text, codec, surprisals);
            AssertCovers(text, spans);
            Assert.Equal(surprisals, spans.Select(s => s.Surprisal));
            // Each span's text is what its token decodes to, except pieces of one character (held by the token completing it).
            var ids = new List<int>();
            codec.Encode(text, ids);
            for (int i = 0; i < ids.Count; i++)
                if (spans[i].Length > 0 && !codec.Decode([ids[i]]).Contains('\uFFFD'))
                    Assert.Equal(codec.Decode([ids[i]]), text.Substring(spans[i].Start, spans[i].Length));
        }
    }

    [Fact]
    public void UnknownCharactersGetOneCharacterEach()
    {
        var codec = fixture.NGram.Codec!;
        const string text = "ab#@é😀cd";   // none of #, @, é, 😀 is in the training alphabet
        var spans = SurprisalSpans.Map(text, codec, Numbered(codec, text));
        AssertCovers(text, spans);
        Assert.Equal(["a", "b", "#", "@", "é", "😀", "c", "d"], spans.Take(spans.Count - 1).Select(s => text.Substring(s.Start, s.Length)));
    }

    [Fact]
    public void TheMostSurprisingSpanLiesInAnInjectedSubstring()
    {
        var normal = fixture.Ml.Data.CreateEnumerable<TextRow>(fixture.Reference, reuseRowObject: false).Select(r => r.Text).Where(t => t.Length >= 8).Take(5);
        foreach (var row in normal)
        {
            string text = row[..4] + "#@#" + row[4..];
            var scored = fixture.Score(fixture.NGram, fixture.Ml.Data.LoadFromEnumerable(new[] { new TextRow { Text = text } }));
            var surprisals = scored.GetColumn<VBuffer<double>>("TokenSurprisals").Single().DenseValues().ToArray();
            var spans = SurprisalSpans.Map(text, fixture.NGram.Codec!, surprisals);
            AssertCovers(text, spans);
            var top = spans.MaxBy(s => s.Surprisal);
            Assert.InRange(top.Start, 4, 6);
        }
    }

    [Fact]
    public void AnotherTokenizationIsRefused()
    {
        var codec = fixture.NGram.Codec!;
        var error = Assert.Throws<ArgumentException>(() => SurprisalSpans.Map("abc", codec, [1.0, 2.0]));
        Assert.Contains("3 tokens", error.Message);
    }
}
