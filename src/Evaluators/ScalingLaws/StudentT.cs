namespace ArML.Evaluators.ScalingLaws;

/// <summary>Student's t distribution with an integer number of degrees of freedom.</summary>
internal static class StudentT
{
    /// <summary>
    /// P(|T| ≤ t) for t ≥ 0 by the exact finite series for integer ν (Abramowitz and Stegun 26.7.3–4), with
    /// θ = atan(t / √ν): for odd ν, (2/π)(θ + sin θ · Σ terms in cos θ); for even ν, sin θ · Σ terms in cos² θ.
    /// </summary>
    public static double TwoSidedProbability(double t, int degreesOfFreedom)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degreesOfFreedom, 1);
        if (t <= 0) return 0;
        if (double.IsPositiveInfinity(t)) return 1;
        double theta = Math.Atan(t / Math.Sqrt(degreesOfFreedom));
        double sin = Math.Sin(theta), cos = Math.Cos(theta), cos2 = cos * cos;
        if (degreesOfFreedom % 2 == 1)
        {
            // cos θ + (2/3) cos³ θ + (2·4)/(3·5) cos⁵ θ + … up to cos^(ν−2) θ
            double sum = 0, term = cos;
            for (int k = 1; k <= degreesOfFreedom - 2; k += 2)
            {
                sum += term;
                term *= cos2 * (k + 1) / (k + 2);
            }
            return Math.Clamp(2 / Math.PI * (theta + sin * sum), 0, 1);
        }
        else
        {
            // 1 + (1/2) cos² θ + (1·3)/(2·4) cos⁴ θ + … up to cos^(ν−2) θ
            double sum = 0, term = 1;
            for (int k = 0; k <= degreesOfFreedom - 2; k += 2)
            {
                sum += term;
                term *= cos2 * (k + 1) / (k + 2);
            }
            return Math.Clamp(sin * sum, 0, 1);
        }
    }

    /// <summary>The t with P(|T| ≤ t) = <paramref name="coverage"/>: the two-sided critical value (1.96 at 0.95 for large ν).</summary>
    public static double TwoSidedCriticalValue(double coverage, int degreesOfFreedom)
    {
        if (!(coverage > 0 && coverage < 1)) throw new ArgumentOutOfRangeException(nameof(coverage), "Coverage must be in (0, 1).");
        double low = 0, high = 1;
        while (TwoSidedProbability(high, degreesOfFreedom) < coverage) high *= 2;
        for (int i = 0; i < 200 && high - low > 1e-12 * high; i++)
        {
            double middle = 0.5 * (low + high);
            if (TwoSidedProbability(middle, degreesOfFreedom) < coverage) low = middle;
            else high = middle;
        }
        return 0.5 * (low + high);
    }
}
