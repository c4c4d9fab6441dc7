namespace ArML.Trainers.PixelCnn;

/// <summary>
/// Shape of a gated PixelCNN; saved inside the density model's config, so the network can be rebuilt from the file
/// alone. The modelled vector is an image of <paramref name="Height"/> × <paramref name="Width"/> pixels of
/// <paramref name="Channels"/> values each, row-major with the channels of a pixel side by side (index
/// (row · Width + column) · Channels + channel); that is also the order in which values are generated.
/// </summary>
/// <param name="Height">Rows of the image.</param>
/// <param name="Width">Columns of the image.</param>
/// <param name="Channels">Values per pixel (1 for grey levels, 3 for RGB).</param>
/// <param name="Layers">Gated layers: the first masked (mask A, the pixel itself unseen), the others mask B.</param>
/// <param name="Filters">Feature maps of each stack.</param>
/// <param name="FirstKernelSize">Odd width of the first layer's kernels (7 in the PixelCNN papers).</param>
/// <param name="KernelSize">Odd width of the other layers' kernels.</param>
/// <param name="OutputHiddenSize">Feature maps of the 1×1 output layer between the last gated layer and the logits.</param>
/// <param name="OneHotInput">
/// Whether the network reads each categorical value as K indicator maps (codes, labels: unordered) rather than as one
/// number scaled to [0, 1] (intensities: ordered). Files written before it existed read false.
/// </param>
public sealed record PixelCnnConfig(int Height, int Width, int Channels, int Layers, int Filters, int FirstKernelSize, int KernelSize,
    int OutputHiddenSize, bool OneHotInput = false)
{
    /// <summary>Values the image holds: Height × Width × Channels.</summary>
    public long Values => (long)Height * Width * Channels;

    /// <summary>What is wrong with this shape for vectors of <paramref name="dimension"/> values, or null.</summary>
    public string? Problem(int dimension)
    {
        if (Height < 1 || Width < 1 || Channels < 1) return "the image's height, width and channels must be positive";
        if (Values != dimension) return $"an image of {Height}×{Width}×{Channels} holds {Values} values, not the dimension {dimension}";
        if (Layers < 1 || Layers > 64) return "a PixelCNN has 1 to 64 gated layers";
        if (Filters < 1 || OutputHiddenSize < 1) return "the PixelCNN's filters and output hidden size must be positive";
        if (FirstKernelSize < 3 || FirstKernelSize % 2 == 0 || KernelSize < 3 || KernelSize % 2 == 0 || FirstKernelSize > 31 || KernelSize > 31)
            return "the PixelCNN's kernel sizes must be odd, from 3 to 31";
        return null;
    }
}
