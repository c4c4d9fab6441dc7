using ArML.Training;

namespace ArML.Trainers.VectorQuantization;

/// <summary>
/// Options of <c>mlContext.Transforms.VectorQuantize</c>: a VQ-VAE that reads a fixed-size vector column as an image
/// of <see cref="Height"/> × <see cref="Width"/> pixels of <see cref="Channels"/> values (row-major, a pixel's
/// channels side by side) and turns it into a grid of codes from a learned codebook of <see cref="CodebookSize"/>
/// vectors. Batching, optimizer, validation, early stopping and checkpoints come from <see cref="TrainerOptionsBase"/>.
/// </summary>
/// <remarks>
/// Each of the <see cref="DownsamplingLayers"/> stride-2 convolutions halves the image, so Height and Width must be
/// divisible by 2^DownsamplingLayers: 28 × 28 with 2 layers gives a 7 × 7 grid of codes. Values are used as they are
/// (the reconstruction loss is their mean squared error): scale 8-bit pixels to [0, 1] first.
/// </remarks>
public sealed class VectorQuantizerOptions : TrainerOptionsBase
{
    /// <summary>The image shape's default batch: 32 images per step.</summary>
    public VectorQuantizerOptions()
    {
        BatchSize = 32;
        WarmupIterations = 20;
        WeightDecay = 0;
    }

    /// <summary>The codes column to produce: a vector of Height/2^L × Width/2^L keys with key count <see cref="CodebookSize"/>.</summary>
    public string OutputColumnName { get; set; } = "Codes";

    /// <summary>The image column: a vector of Single or Boolean of Height × Width × Channels values.</summary>
    public string InputColumnName { get; set; } = "Features";

    /// <summary>Rows of the image. Required.</summary>
    public int Height { get; set; }

    /// <summary>Columns of the image. Required.</summary>
    public int Width { get; set; }

    /// <summary>Values per pixel (1 for grey levels, 3 for RGB). Default 1.</summary>
    public int Channels { get; set; } = 1;

    /// <summary>Codebook vectors K, the key count of the codes. Default 64.</summary>
    public int CodebookSize { get; set; } = 64;

    /// <summary>Dimension of each codebook vector (the encoder's output channels). Default 16.</summary>
    public int CodeDimension { get; set; } = 16;

    /// <summary>Feature maps of the encoder's and decoder's hidden convolutions. Default 32.</summary>
    public int HiddenChannels { get; set; } = 32;

    /// <summary>Stride-2 convolutions of the encoder (and transposed ones of the decoder). Default 2 (28 × 28 → 7 × 7).</summary>
    public int DownsamplingLayers { get; set; } = 2;

    /// <summary>β, the weight of the commitment loss that keeps encoder outputs near their codes. Default 0.25 (the VQ-VAE paper's).</summary>
    public double CommitmentCost { get; set; } = 0.25;

    /// <summary>
    /// Training batches per dead-code check: a code no encoder output chose during that many batches is moved onto an
    /// encoder output of the latest batch, drawn at random. 0 disables. Default 50.
    /// </summary>
    public int DeadCodeInterval { get; set; } = 50;

    /// <summary>Images encoded or decoded per forward pass when transforming. Default 64.</summary>
    public int ScoringBatchSize { get; set; } = 64;

    /// <summary>The grid of codes: Height and Width divided by 2^<see cref="DownsamplingLayers"/>.</summary>
    internal VectorQuantizerShape Shape => new(Height, Width, Channels, CodebookSize, CodeDimension, HiddenChannels, DownsamplingLayers);

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        ArgumentException.ThrowIfNullOrEmpty(OutputColumnName, nameof(OutputColumnName));
        ArgumentException.ThrowIfNullOrEmpty(InputColumnName, nameof(InputColumnName));
        if (Shape.Problem() is string problem) throw new ArgumentOutOfRangeException(nameof(Height), problem);
        if (!(CommitmentCost >= 0) || double.IsInfinity(CommitmentCost))
            throw new ArgumentOutOfRangeException(nameof(CommitmentCost), "CommitmentCost must be finite and non-negative.");
        ArgumentOutOfRangeException.ThrowIfNegative(DeadCodeInterval, nameof(DeadCodeInterval));
        if (ScoringBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(ScoringBatchSize), "ScoringBatchSize must be at least 1.");
    }
}
