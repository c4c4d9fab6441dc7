namespace ArML.Trainers.Density;

/// <summary>
/// Options of a NADE (neural autoregressive density estimator): one sigmoid hidden layer with input weights shared
/// across dimensions, in the natural order. Everything else comes from <see cref="DensityTrainerOptions"/>.
/// </summary>
public sealed class NadeOptions : DensityTrainerOptions
{
    /// <summary>Hidden units. Default 500 (the NADE paper's binarized MNIST model).</summary>
    public int HiddenSize { get; set; } = DefaultHiddenSize;

    /// <summary>The default of <see cref="HiddenSize"/>, which the simple NADE and MADE catalog overloads take too.</summary>
    internal const int DefaultHiddenSize = 500;

    internal override DensityModelFamily Family => DensityModelFamily.Nade;

    internal override int[] HiddenSizes => [HiddenSize];

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        if (HiddenSize < 1) throw new ArgumentOutOfRangeException(nameof(HiddenSize), "HiddenSize must be at least 1.");
    }
}
