namespace ArML.Trainers.NGram;

/// <summary>
/// The discounts of one order: subtracted from adjusted counts 1, 2 and 3+ (Kneser-Ney variants), estimated from
/// counts-of-counts n₁…n₄ as Chen &amp; Goodman's equation (26): Y = n₁ / (n₁ + 2n₂), D_j = j − (j + 1)·Y·n_{j+1} / n_j.
/// </summary>
/// <param name="D1">Discount of count 1.</param>
/// <param name="D2">Discount of count 2.</param>
/// <param name="D3Plus">Discount of counts 3 and more.</param>
/// <param name="FellBack">Whether the estimate failed and the fallback values were used.</param>
internal readonly record struct NGramDiscounts(double D1, double D2, double D3Plus, bool FellBack)
{
    /// <summary>The discount of an adjusted count (0 for a count of 0).</summary>
    public double For(long count) => count switch { <= 0 => 0, 1 => D1, 2 => D2, _ => D3Plus };

    /// <summary>Modified Kneser-Ney discounts; an order with a zero n₁, n₂ or n₃, or a D_j outside [0, j], falls back.</summary>
    /// <param name="countsOfCounts">n[j] = number of n-grams with adjusted count j, for j = 1..4.</param>
    /// <param name="fallback">Discounts for 1, 2, 3+ (a short array repeats its last value), or null to throw.</param>
    /// <param name="order">The order, for the error message.</param>
    /// <exception cref="InvalidOperationException">The estimate fails and there is no fallback.</exception>
    public static NGramDiscounts ModifiedKneserNey(long[] countsOfCounts, double[]? fallback, int order)
    {
        var n = countsOfCounts;
        string? problem = n[1] == 0 || n[2] == 0 || n[3] == 0
            ? $"no {order}-grams have adjusted count {(n[1] == 0 ? 1 : n[2] == 0 ? 2 : 3)}"
            : null;
        var d = new double[4];
        if (problem is null)
        {
            double y = n[1] / (n[1] + 2.0 * n[2]);
            for (int j = 1; j <= 3 && problem is null; j++)
            {
                d[j] = j - (j + 1) * y * n[j + 1] / n[j];
                if (d[j] < 0 || d[j] > j) problem = $"the estimated discount for count {j} is {d[j]:G6}, outside [0, {j}]";
            }
        }
        if (problem is null) return new NGramDiscounts(d[1], d[2], d[3], false);
        var f = Fallback(fallback, order, problem);
        return new NGramDiscounts(f[0], f[1], f[2], true);
    }

    /// <summary>One Kneser-Ney discount D = n₁ / (n₁ + 2n₂) for every count; falls back (to the first value) when n₁ or n₂ is zero.</summary>
    /// <inheritdoc cref="ModifiedKneserNey" path="/param"/>
    /// <exception cref="InvalidOperationException">The estimate fails and there is no fallback.</exception>
    public static NGramDiscounts KneserNey(long[] countsOfCounts, double[]? fallback, int order)
    {
        var n = countsOfCounts;
        if (n[1] > 0 && n[2] > 0)
        {
            double d = n[1] / (n[1] + 2.0 * n[2]);
            return new NGramDiscounts(d, d, d, false);
        }
        var f = Fallback(fallback, order, $"no {order}-grams have adjusted count {(n[1] == 0 ? 1 : 2)}");
        return new NGramDiscounts(f[0], f[0], f[0], true);
    }

    /// <summary>Checks fallback discounts: one to three values, the j-th in [0, j].</summary>
    /// <exception cref="ArgumentException">The values are out of range.</exception>
    internal static void Validate(double[]? fallback)
    {
        if (fallback is null) return;
        if (fallback.Length is < 1 or > 3)
            throw new ArgumentException($"DiscountFallback needs one to three values (for counts 1, 2 and 3+), but has {fallback.Length}.");
        for (int j = 0; j < 3; j++)
        {
            double d = fallback[Math.Min(j, fallback.Length - 1)];
            if (!(d >= 0 && d <= j + 1))
                throw new ArgumentException($"DiscountFallback for count {j + 1} is {d}, outside [0, {j + 1}].");
        }
    }

    private static double[] Fallback(double[]? fallback, int order, string problem)
    {
        if (fallback is null)
            throw new InvalidOperationException(
                $"Kneser-Ney discounts of order {order} cannot be estimated: {problem}. Set DiscountFallback (lmplz's --discount_fallback) to use fixed discounts.");
        return [fallback[0], fallback[Math.Min(1, fallback.Length - 1)], fallback[^1]];
    }
}
