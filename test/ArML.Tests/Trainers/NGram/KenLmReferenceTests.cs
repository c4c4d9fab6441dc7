using ArML.Tests.Support;
using ArML.Trainers.NGram;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Trainers.NGram;

/// <summary>
/// Reproduces KenLM's figures in ../shared/reference/ngram-kenlm.md (lmplz -o N --discount_fallback, scored by query)
/// on tiny Shakespeare: same data views, same conventions, same perplexities to the printed digit.
/// </summary>
public class KenLmReferenceTests
{
    private readonly MLContext _ml = new(seed: 1);

    [SkippableTheory]
    [InlineData(5, 4.764, -75630.9)]
    [InlineData(7, 4.556, -73468.3)]
    public void StreamViewMatchesKenLm(int order, double perplexityPerChar, double totalLog10)
    {
        var (train, validation) = TinyShakespeareViews.Split();
        var (total, tokens, lastLog10) = Score(train, validation, stream: true, order);
        Assert.Equal(111_541, tokens);
        Assert.True(Math.Abs(total - totalLog10) <= 0.06, $"total log10 {total:F2}, KenLM {totalLog10}");
        // Per-character figures leave out the single trailing </s>.
        double perChar = Math.Pow(10, -(total - lastLog10) / 111_540);
        Assert.True(Math.Abs(perChar - perplexityPerChar) <= 0.0006, $"perplexity/char {perChar:F5}, KenLM {perplexityPerChar}");
    }

    [SkippableTheory]
    [InlineData(3, 7.840)]
    [InlineData(5, 4.894)]
    public void LinesViewMatchesKenLm(int order, double perplexity)
    {
        var (train, validation) = TinyShakespeareViews.Split();
        var (total, tokens, _) = Score(train, validation, stream: false, order);
        Assert.Equal(111_540, tokens);   // every character and one </s> per line, as query counts them
        double measured = Math.Pow(10, -total / tokens);
        Assert.True(Math.Abs(measured - perplexity) <= 0.0006, $"perplexity {measured:F5}, KenLM {perplexity}");
    }

    private (double TotalLog10, long Tokens, double LastLog10) Score(string train, string validation, bool stream, int order)
    {
        var trainData = _ml.Data.LoadFromEnumerable(TinyShakespeareViews.Rows(train, stream));
        var validData = _ml.Data.LoadFromEnumerable(TinyShakespeareViews.Rows(validation, stream));
        var model = _ml.Transforms.Text.TokenizeCharacters("Tokens", "Text")
            .Append(_ml.LanguageModeling().Trainers.NGram(new NGramTrainer.Options { Order = order }))
            .Fit(trainData);
        var metrics = _ml.LanguageModeling().Evaluate(model.Transform(validData));
        double total = -metrics.NegativeLogLikelihood / Math.Log(10);

        // log10 p(</s> | the last order − 1 characters), from the model's reference lookup.
        var ngram = model.LastTransformer;
        var lastRow = TinyGpt.TokenIds(model.Transform(validData)).Last();
        var context = lastRow[^(order - 1)..].Select(ngram.WordOfToken).ToArray();
        double last = ngram.Model.Log10Probability(context, NGramLanguageModel.SentenceEndId);
        return (total, metrics.TokenCount, last);
    }
}
