using ArML.Evaluators;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Evaluators;

public class TextMetricsTests
{
    private static readonly MLContext Ml = new(seed: 0);

    [Fact]
    public void BitsPerByteCountsUtf8BytesOfMultiByteCharacters()
    {
        // "aé€😀": a = 1 byte, é = 2, € = 3, 😀 (a surrogate pair in UTF-16) = 4: 10 bytes from 5 UTF-16 chars.
        // " two  words\t": 12 ASCII bytes, 2 words. NLLs 10 ln 2 and 3 ln 2: 13 ln 2 nats over 22 bytes and 3 words.
        var scored = ScoredTable.Of(Ml, (-10 * Math.Log(2), 6, "aé€😀"), (-3 * Math.Log(2), 4, " two  words\t"));
        var metrics = Ml.LanguageModeling().Evaluate(scored, textColumnName: "Text");
        Assert.Equal(22, metrics.ByteCount);
        Assert.Equal(3, metrics.WordCount);
        Assert.Equal(13.0 / 22, metrics.BitsPerByte!.Value, 12);
        Assert.Equal(Math.Pow(2, 13.0 / 22), metrics.BytePerplexity!.Value, 12);
        Assert.Equal(Math.Pow(2, 13.0 / 3), metrics.WordPerplexity!.Value, 10);
        // The per-token metrics are unchanged by the text column: 13 ln 2 over 10 tokens.
        Assert.Equal(Math.Pow(2, 13.0 / 10), metrics.Perplexity, 12);
    }

    [Fact]
    public void OneByteCharactersGiveBitsPerByteEqualToBitsPerCharacter()
    {
        // A character model on ASCII text whose end is not predicted: bits per byte is its bits per token.
        var scored = ScoredTable.Of(Ml, (-2.5, 3, "abc"), (-4.0, 5, "hello"));
        var metrics = Ml.LanguageModeling().Evaluate(scored, textColumnName: "Text");
        Assert.Equal(metrics.BitsPerToken, metrics.BitsPerByte!.Value, 12);
    }

    [Fact]
    public void TextMetricsAreNullWithoutATextColumnOrWithoutText()
    {
        var scored = ScoredTable.Of(Ml, (-1, 1, ""), (-2, 1, "   "));
        var without = Ml.LanguageModeling().Evaluate(scored);
        Assert.Null(without.ByteCount);
        Assert.Null(without.BitsPerByte);
        Assert.Null(without.WordPerplexity);
        var blank = Ml.LanguageModeling().Evaluate(scored, textColumnName: "Text");
        Assert.Equal(3, blank.ByteCount);
        Assert.Equal(0, blank.WordCount);
        Assert.NotNull(blank.BitsPerByte);
        Assert.Null(blank.WordPerplexity);
    }

    [Fact]
    public void RowsWithoutTokensAddNoBytes()
    {
        var scored = ScoredTable.Of(Ml, (-8 * Math.Log(2), 4, "abcd"), (double.NaN, 0, "ignored text"));
        var metrics = Ml.LanguageModeling().Evaluate(scored, textColumnName: "Text");
        Assert.Equal(4, metrics.ByteCount);
        Assert.Equal(2.0, metrics.BitsPerByte!.Value, 12);
        Assert.Equal(1, metrics.EmptyRowCount);
    }

    [Fact]
    public void SequencePerplexityIsTheInverseGeometricMeanOfRowProbabilities()
    {
        // P = 1/8 and P = 1/4: (1/8 · 1/4)^(−1/2) = √32, whatever the token counts.
        var scored = ScoredTable.Of(Ml, (-Math.Log(8), 3, "x"), (-Math.Log(4), 7, "y"));
        var metrics = Ml.LanguageModeling().Evaluate(scored);
        Assert.Equal(Math.Sqrt(32), metrics.SequencePerplexity, 12);
        Assert.NotEqual(metrics.SequencePerplexity, metrics.Perplexity, 3);
    }

    [Fact]
    public void ATextColumnOfTheWrongTypeFailsNamingIt()
    {
        var scored = ScoredTable.Of(Ml, (-1, 1, "a"));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Ml.LanguageModeling().Evaluate(scored, textColumnName: "TokenCount"));
        Assert.Contains("'TokenCount'", error.Message);
        Assert.Contains("text", error.Message);
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => Ml.LanguageModeling().Evaluate(scored, textColumnName: "Body"));
        Assert.Contains("'Body'", missing.Message);
    }
}
