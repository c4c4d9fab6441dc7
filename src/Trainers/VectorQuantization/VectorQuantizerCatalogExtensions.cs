using Microsoft.ML;
using ArML.Trainers.VectorQuantization;

namespace ArML;

/// <summary>Adds the VQ-VAE image tokenizer to <c>mlContext.Transforms</c>.</summary>
public static class VectorQuantizerCatalogExtensions
{
    /// <summary>
    /// Learns a VQ-VAE in <c>Fit</c> and maps <see cref="VectorQuantizerOptions.InputColumnName"/> (images) to
    /// <see cref="VectorQuantizerOptions.OutputColumnName"/>, a grid of codes from a learned codebook: a tokenizer for
    /// images whose codes any ArML language model can model, and which <see cref="VectorQuantizingTransformer.Decode"/>
    /// turns back into images.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">Columns, image shape, network and training options.</param>
    public static VectorQuantizingEstimator VectorQuantize(this TransformsCatalog catalog, VectorQuantizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new VectorQuantizingEstimator(options);
    }

    /// <summary>A VQ-VAE with default network options (codes of dimension 16, 2 stride-2 layers: a 28 × 28 image gives 7 × 7 codes).</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Codes column to produce.</param>
    /// <param name="inputColumnName">Image column: a vector of Single or Boolean of height × width values.</param>
    /// <param name="height">Rows of the image.</param>
    /// <param name="width">Columns of the image.</param>
    /// <param name="codebookSize">Codebook vectors K (the key count of the codes).</param>
    /// <param name="maxIterations">Optimizer steps.</param>
    public static VectorQuantizingEstimator VectorQuantize(this TransformsCatalog catalog, string outputColumnName, string inputColumnName,
        int height, int width, int codebookSize = 64, int maxIterations = 2000) =>
        catalog.VectorQuantize(new VectorQuantizerOptions
        {
            OutputColumnName = outputColumnName, InputColumnName = inputColumnName, Height = height, Width = width, CodebookSize = codebookSize,
            MaxIterations = maxIterations,
        });

    /// <summary>
    /// Decodes the codes in <paramref name="inputColumnName"/> (keys, as <paramref name="quantizer"/> produces them, or
    /// Single codes 0 … K − 1, as a density model samples them) into images with <paramref name="quantizer"/>'s decoder:
    /// the inverse transform. The decoder shares the quantizer's network.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Images column to produce: a vector of Single of Height × Width × Channels.</param>
    /// <param name="quantizer">The trained quantizer whose codes are decoded.</param>
    /// <param name="inputColumnName">Codes column; null for the quantizer's output column.</param>
    /// <param name="scoringBatchSize">Rows decoded per forward pass; null for the quantizer's.</param>
    public static VectorDequantizingEstimator VectorDequantize(this TransformsCatalog catalog, string outputColumnName, VectorQuantizingTransformer quantizer,
        string? inputColumnName = null, int? scoringBatchSize = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(quantizer);
        return new VectorDequantizingEstimator(outputColumnName, quantizer, inputColumnName ?? quantizer.OutputColumnName,
            scoringBatchSize ?? quantizer.ScoringBatchSize);
    }
}
