namespace ArML.Trainers.VectorQuantization;

/// <summary>The image a VQ-VAE reads and the network's sizes; saved with the model.</summary>
/// <param name="Height">Rows of the image.</param>
/// <param name="Width">Columns of the image.</param>
/// <param name="Channels">Values per pixel.</param>
/// <param name="CodebookSize">Codebook vectors K.</param>
/// <param name="CodeDimension">Dimension of a codebook vector.</param>
/// <param name="HiddenChannels">Feature maps of the hidden convolutions.</param>
/// <param name="DownsamplingLayers">Stride-2 convolutions (each halves the image).</param>
internal sealed record VectorQuantizerShape(int Height, int Width, int Channels, int CodebookSize, int CodeDimension, int HiddenChannels,
    int DownsamplingLayers)
{
    // Bounds that keep a saved configuration from claiming an absurd network before its tensors are checked.
    private const int MaxValues = 1 << 24;

    /// <summary>Values per image, the length of the input vector.</summary>
    public int Dimension => Height * Width * Channels;

    /// <summary>Rows of the code grid.</summary>
    public int GridHeight => Height >> DownsamplingLayers;

    /// <summary>Columns of the code grid.</summary>
    public int GridWidth => Width >> DownsamplingLayers;

    /// <summary>Codes per image (the length of the codes column).</summary>
    public int CodeCount => GridHeight * GridWidth;

    /// <summary>Why the shape is unusable, or null.</summary>
    public string? Problem()
    {
        if (Height < 1 || Width < 1 || Channels < 1 || (long)Height * Width * Channels > MaxValues)
            return $"Height ({Height}), Width ({Width}) and Channels ({Channels}) must be positive, with at most 2^24 values in all";
        if (DownsamplingLayers is < 1 or > 8) return $"DownsamplingLayers ({DownsamplingLayers}) must be in 1..8";
        int factor = 1 << DownsamplingLayers;
        if (Height % factor != 0 || Width % factor != 0)
            return $"the image of {Height} × {Width} does not divide into a grid: {DownsamplingLayers} stride-2 layers need Height and Width divisible by {factor}";
        if (CodebookSize is < 2 or > 1 << 16) return $"CodebookSize ({CodebookSize}) must be in 2..65536";
        if (CodeDimension is < 1 or > 4096) return $"CodeDimension ({CodeDimension}) must be in 1..4096";
        if (HiddenChannels is < 1 or > 4096) return $"HiddenChannels ({HiddenChannels}) must be in 1..4096";
        return null;
    }
}
