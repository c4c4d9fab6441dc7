using System.Globalization;

namespace ArML.Evaluators;

/// <summary>A two-sided confidence interval [<see cref="Lower"/>, <see cref="Upper"/>] at level <see cref="Level"/>.</summary>
public readonly struct ConfidenceInterval : IEquatable<ConfidenceInterval>
{
    /// <summary>Creates an interval; <paramref name="lower"/> must not exceed <paramref name="upper"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The bounds are NaN or out of order, or the level is not in (0, 1).</exception>
    public ConfidenceInterval(double lower, double upper, double level)
    {
        if (double.IsNaN(lower) || double.IsNaN(upper) || lower > upper)
            throw new ArgumentOutOfRangeException(nameof(lower), $"The interval [{lower}, {upper}] is not ordered.");
        if (!(level > 0 && level < 1))
            throw new ArgumentOutOfRangeException(nameof(level), $"The confidence level must be in (0, 1), but is {level}.");
        Lower = lower;
        Upper = upper;
        Level = level;
    }

    /// <summary>Lower bound.</summary>
    public double Lower { get; }

    /// <summary>Upper bound.</summary>
    public double Upper { get; }

    /// <summary>Nominal coverage, for example 0.95.</summary>
    public double Level { get; }

    /// <summary>Upper − Lower.</summary>
    public double Width => Upper - Lower;

    /// <summary>Whether <paramref name="value"/> lies in the closed interval.</summary>
    public bool Contains(double value) => value >= Lower && value <= Upper;

    /// <inheritdoc/>
    public bool Equals(ConfidenceInterval other) => Lower.Equals(other.Lower) && Upper.Equals(other.Upper) && Level.Equals(other.Level);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ConfidenceInterval other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Lower, Upper, Level);

    /// <summary>Equality of bounds and level.</summary>
    public static bool operator ==(ConfidenceInterval left, ConfidenceInterval right) => left.Equals(right);

    /// <summary>Inequality of bounds or level.</summary>
    public static bool operator !=(ConfidenceInterval left, ConfidenceInterval right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"[{Lower:G6}, {Upper:G6}] ({Level * 100:0.#}%)");
}
