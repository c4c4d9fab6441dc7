using ArML.Evaluators.ScalingLaws;
using Xunit;

namespace ArML.Tests.Evaluators.ScalingLaws;

public class StudentTTests
{
    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.95)]
    [InlineData(0.99)]
    public void OneAndTwoDegreesOfFreedomMatchTheirClosedForms(double coverage)
    {
        // ν = 1 is the Cauchy distribution: t = tan(π·coverage/2). ν = 2: t = q·√(2 / (1 − q²)) with q = coverage.
        Assert.Equal(Math.Tan(Math.PI * coverage / 2), StudentT.TwoSidedCriticalValue(coverage, 1), 1e-8);
        Assert.Equal(coverage * Math.Sqrt(2 / (1 - coverage * coverage)), StudentT.TwoSidedCriticalValue(coverage, 2), 1e-8);
    }

    [Theory]
    [InlineData(3, 3.182446305)]
    [InlineData(5, 2.570581836)]
    [InlineData(10, 2.228138852)]
    [InlineData(30, 2.042272456)]
    public void TableValuesAtNinetyFivePercent(int degreesOfFreedom, double expected) =>
        Assert.Equal(expected, StudentT.TwoSidedCriticalValue(0.95, degreesOfFreedom), 1e-7);

    [Fact]
    public void ManyDegreesOfFreedomApproachTheNormal()
    {
        Assert.Equal(1.959964, StudentT.TwoSidedCriticalValue(0.95, 20_000), 1e-3);
        Assert.Equal(0.95, StudentT.TwoSidedProbability(1.959964, 20_000), 1e-3);
    }

    [Fact]
    public void TheProbabilityIsTheIntegralOfTheDensity()
    {
        // Independent check at ν = 4: the density is Γ(5/2)/(√(4π)·Γ(2)) (1 + t²/4)^(−5/2) = (3/8)(1 + t²/4)^(−5/2);
        // integrate it from −1.5 to 1.5 by Simpson's rule.
        const int steps = 2000;
        double h = 3.0 / steps, sum = 0;
        for (int i = 0; i <= steps; i++)
        {
            double t = -1.5 + i * h;
            double density = 3.0 / 8 * Math.Pow(1 + t * t / 4, -2.5);
            sum += density * (i == 0 || i == steps ? 1 : i % 2 == 1 ? 4 : 2);
        }
        Assert.Equal(sum * h / 3, StudentT.TwoSidedProbability(1.5, 4), 10);
    }
}
