namespace ArML.Trainers.Density;

/// <summary>
/// Shape of a density model; saved with every model, so the network can be rebuilt from the file alone.
/// </summary>
/// <param name="Family">FVSBN, NADE or MADE.</param>
/// <param name="Dimension">Length D of the modelled vectors.</param>
/// <param name="Distribution">Conditional distribution of each dimension.</param>
/// <param name="CategoryCount">Values per dimension of a categorical model (else unused).</param>
/// <param name="MixtureComponents">Gaussians per dimension of a mixture model (else unused).</param>
/// <param name="HiddenSizes">Hidden layer widths: one for NADE, one or more for MADE, none for FVSBN.</param>
/// <param name="MaskCount">MADE: orderings/connectivities trained and averaged over at test time (else 1).</param>
/// <param name="ResampleOrderings">MADE: each mask has its own random ordering of the dimensions (else the natural order).</param>
/// <param name="DirectConnections">MADE: masked direct input-to-output connections.</param>
/// <param name="PixelCnn">PixelCNN: the image shape and the network's layers (null for the other families).</param>
internal sealed record DensityModelConfig(
    DensityModelFamily Family,
    int Dimension,
    OutputDistribution Distribution,
    int CategoryCount,
    int MixtureComponents,
    int[] HiddenSizes,
    int MaskCount,
    bool ResampleOrderings,
    bool DirectConnections,
    ArML.Trainers.PixelCnn.PixelCnnConfig? PixelCnn = null)
{
    /// <summary>Network outputs per dimension: 1 (Bernoulli), K (categorical) or 3 per mixture component.</summary>
    public int ParametersPerDimension => Distribution switch
    {
        OutputDistribution.Bernoulli => 1,
        OutputDistribution.Categorical => CategoryCount,
        _ => 3 * MixtureComponents,
    };

    /// <summary>What is wrong with this configuration, or null when it describes a model that can be built.</summary>
    public string? Problem()
    {
        if (!Enum.IsDefined(Family)) return $"unknown model family {Family}";
        if (!Enum.IsDefined(Distribution)) return $"unknown output distribution {Distribution}";
        if (Dimension < 1) return "the dimension must be at least 1";
        if (Distribution == OutputDistribution.Categorical && CategoryCount is < 2 or > 256) return "CategoryCount must be in 2..256";
        if (Distribution == OutputDistribution.GaussianMixture && MixtureComponents is < 1 or > 64) return "MixtureComponents must be in 1..64";
        if (HiddenSizes is null || HiddenSizes.Any(h => h < 1)) return "hidden sizes must be positive";
        if ((Family == DensityModelFamily.PixelCnn) != (PixelCnn is not null)) return "a PixelCNN, and only a PixelCNN, has an image shape";
        if (PixelCnn?.Problem(Dimension) is string pixelProblem) return pixelProblem;
        int expectedLayers = Family switch { DensityModelFamily.Fvsbn or DensityModelFamily.PixelCnn => 0, DensityModelFamily.Nade => 1, _ => -1 };
        if (expectedLayers >= 0 && HiddenSizes.Length != expectedLayers) return $"{Family} has {expectedLayers} hidden layer(s), not {HiddenSizes.Length}";
        if (Family == DensityModelFamily.Made && HiddenSizes.Length == 0) return "MADE needs at least one hidden layer";
        if (MaskCount < 1 || (Family != DensityModelFamily.Made && MaskCount != 1)) return "MaskCount must be 1 (FVSBN, NADE, PixelCNN) or at least 1 (MADE)";
        if (Family != DensityModelFamily.Made && (ResampleOrderings || DirectConnections)) return "orderings and direct connections are MADE options";
        return null;
    }
}
