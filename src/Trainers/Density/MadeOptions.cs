namespace ArML.Trainers.Density;

/// <summary>
/// Options of a MADE (masked autoencoder for distribution estimation): ReLU hidden layers with masked weights,
/// trained with one or several masks (orderings/connectivities) whose probabilities are averaged at test time.
/// Everything else comes from <see cref="DensityTrainerOptions"/>.
/// </summary>
public sealed class MadeOptions : DensityTrainerOptions
{
    /// <summary>Widths of the hidden layers, at least one. Default [500] (the MADE paper's one-layer MNIST model).</summary>
    public int[] HiddenLayerSizes { get; set; } = [NadeOptions.DefaultHiddenSize];

    /// <summary>
    /// Masks drawn before training; each step trains through one of them at random and scoring averages the
    /// probability over all of them (scoring costs one pass per mask). Default 1.
    /// </summary>
    public int MaskCount { get; set; } = 1;

    /// <summary>
    /// Give each mask its own random ordering of the dimensions (order-agnostic training); otherwise every mask keeps
    /// the natural order and only the hidden connectivity changes. Default false.
    /// </summary>
    public bool ResampleOrderings { get; set; }

    /// <summary>Add masked direct connections from the inputs to the outputs. Default false.</summary>
    public bool DirectConnections { get; set; }

    internal override DensityModelFamily Family => DensityModelFamily.Made;

    internal override int[] HiddenSizes => HiddenLayerSizes.ToArray();

    internal override DensityModelConfig Config(int dimension) =>
        base.Config(dimension) with { MaskCount = MaskCount, ResampleOrderings = ResampleOrderings, DirectConnections = DirectConnections };

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        if (HiddenLayerSizes is null || HiddenLayerSizes.Length == 0 || HiddenLayerSizes.Any(h => h < 1))
            throw new ArgumentOutOfRangeException(nameof(HiddenLayerSizes), "HiddenLayerSizes must list at least one positive width.");
        if (MaskCount < 1) throw new ArgumentOutOfRangeException(nameof(MaskCount), "MaskCount must be at least 1.");
    }
}
