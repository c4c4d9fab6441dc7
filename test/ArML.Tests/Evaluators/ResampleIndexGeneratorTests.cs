using ArML.Evaluators;
using Xunit;

namespace ArML.Tests.Evaluators;

public class ResampleIndexGeneratorTests
{
    [Fact]
    public void IndicesAreUniformByAChiSquareTest()
    {
        // 7 bins (not a power of two, so multiply-shift's rounding could show), 700,000 draws: with 6 degrees of
        // freedom the statistic exceeds 22.46 with probability 0.001.
        var generator = new ResampleIndexGenerator(12345);
        var counts = new long[7];
        for (int i = 0; i < 700_000; i++) counts[generator.Next(7)]++;
        double expected = 100_000, chiSquare = counts.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.True(chiSquare < 22.46, $"chi-square {chiSquare}: {string.Join(", ", counts)}");
    }

    [Fact]
    public void ConsecutivePairsAreIndependent()
    {
        // Serial test on pairs of draws over 4 x 4 cells: 15 degrees of freedom, P(χ² > 37.70) = 0.001.
        var generator = new ResampleIndexGenerator(7);
        var cells = new long[16];
        for (int i = 0; i < 160_000; i++) cells[4 * generator.Next(4) + generator.Next(4)]++;
        double expected = 10_000, chiSquare = cells.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.True(chiSquare < 37.70, $"chi-square {chiSquare}");
    }

    [Fact]
    public void TheSequenceIsAFunctionOfTheSeed()
    {
        int[] Draw(long seed)
        {
            var generator = new ResampleIndexGenerator(seed);
            return Enumerable.Range(0, 20).Select(_ => generator.Next(1000)).ToArray();
        }
        Assert.Equal(Draw(3), Draw(3));
        Assert.NotEqual(Draw(3), Draw(4));
        Assert.All(Draw(5), i => Assert.InRange(i, 0, 999));
    }
}
