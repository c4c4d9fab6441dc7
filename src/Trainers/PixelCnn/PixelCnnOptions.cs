using ArML.Trainers.Density;
using ArML.Trainers.Gpt;
using Microsoft.ML.Data;

namespace ArML.Trainers.PixelCnn;

/// <summary>
/// Options of a gated PixelCNN: the feature vector is an image of <see cref="Height"/> × <see cref="Width"/> pixels of
/// <see cref="Channels"/> values, row-major with a pixel's channels side by side, generated in that order. Bernoulli
/// outputs suit binary images, categorical ones (<see cref="DensityTrainerOptions.CategoryCount"/> 256) 8-bit images.
/// Everything else (batching, optimizer, validation, early stopping, checkpoints) comes from
/// <see cref="DensityTrainerOptions"/>.
/// </summary>
public sealed class PixelCnnOptions : DensityTrainerOptions
{
    /// <summary>Rows of the image. Required.</summary>
    public int Height { get; set; }

    /// <summary>Columns of the image. Required.</summary>
    public int Width { get; set; }

    /// <summary>Values per pixel (1 for grey levels, 3 for RGB). Default 1.</summary>
    public int Channels { get; set; } = 1;

    /// <summary>Gated layers (the first with mask A, the others with mask B). Default 6.</summary>
    public int Layers { get; set; } = 6;

    /// <summary>Feature maps of each of the two stacks. Default 32.</summary>
    public int Filters { get; set; } = 32;

    /// <summary>Odd kernel width of the first layer. Default 7 (as in the PixelCNN papers).</summary>
    public int FirstKernelSize { get; set; } = 7;

    /// <summary>Odd kernel width of the other layers. Default 3.</summary>
    public int KernelSize { get; set; } = 3;

    /// <summary>Feature maps of the 1×1 layer before the output logits. Default 64.</summary>
    public int OutputHiddenSize { get; set; } = 64;

    /// <summary>
    /// How the network reads the values it has seen: <see cref="PixelCnnInputEncoding.Auto"/> (default) reads a key
    /// column's categories (codes such as <c>VectorQuantize</c>'s, which have no order) one-hot and numbers scaled to
    /// [0, 1] otherwise (intensities, whose order helps).
    /// </summary>
    public PixelCnnInputEncoding InputEncoding { get; set; } = PixelCnnInputEncoding.Auto;

    /// <summary>
    /// Arithmetic of training: <see cref="TrainingPrecision.Auto"/> (default) trains in bfloat16 (convolutions, gates;
    /// float32 master weights, logits and loss) where the hardware multiplies bfloat16 natively, else float32. Scoring
    /// and sampling always compute in float32.
    /// </summary>
    public TrainingPrecision Precision { get; set; } = TrainingPrecision.Auto;

    internal override TorchSharp.torch.ScalarType TrainingComputeType(TorchSharp.torch.Device device) => HardwarePrecision.Resolve(Precision, device);

    internal override DensityModelFamily Family => DensityModelFamily.PixelCnn;

    internal override int[] HiddenSizes => [];

    internal override int? RequiredDimension => checked(Height * Width * Channels);

    internal override DensityModelConfig Config(int dimension) => base.Config(dimension) with
    {
        PixelCnn = new PixelCnnConfig(Height, Width, Channels, Layers, Filters, FirstKernelSize, KernelSize, OutputHiddenSize,
            InputEncoding == PixelCnnInputEncoding.OneHot),
    };

    internal override DensityModelConfig ForColumn(DensityModelConfig config, DataViewType itemType) =>
        InputEncoding == PixelCnnInputEncoding.Auto && itemType is KeyDataViewType && Distribution == OutputDistribution.Categorical
            ? config with { PixelCnn = config.PixelCnn! with { OneHotInput = true } }
            : config;

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        if (Height < 1 || Width < 1 || Channels < 1 || (long)Height * Width * Channels > 1 << 24)
            throw new ArgumentOutOfRangeException(nameof(Height), $"Height ({Height}), Width ({Width}) and Channels ({Channels}) must be positive, with at most 2^24 values in all.");
        if (Layers is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(Layers), "Layers must be in 1..64.");
        if (Filters < 1) throw new ArgumentOutOfRangeException(nameof(Filters), "Filters must be at least 1.");
        if (OutputHiddenSize < 1) throw new ArgumentOutOfRangeException(nameof(OutputHiddenSize), "OutputHiddenSize must be at least 1.");
        if (FirstKernelSize is < 3 or > 31 || FirstKernelSize % 2 == 0) throw new ArgumentOutOfRangeException(nameof(FirstKernelSize), "FirstKernelSize must be odd, 3 to 31.");
        if (KernelSize is < 3 or > 31 || KernelSize % 2 == 0) throw new ArgumentOutOfRangeException(nameof(KernelSize), "KernelSize must be odd, 3 to 31.");
        if (Distribution == OutputDistribution.GaussianMixture)
            throw new ArgumentOutOfRangeException(nameof(Distribution), "A PixelCNN models discrete pixels: use Bernoulli or Categorical outputs.");
        if (InputEncoding == PixelCnnInputEncoding.OneHot && Distribution != OutputDistribution.Categorical)
            throw new ArgumentOutOfRangeException(nameof(InputEncoding), "One-hot input reads categories: it needs Categorical outputs.");
    }
}
