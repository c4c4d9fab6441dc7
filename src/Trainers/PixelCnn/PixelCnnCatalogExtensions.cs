using ArML.Trainers.Density;
using ArML.Trainers.PixelCnn;

namespace ArML;

/// <summary>Adds the gated PixelCNN trainer to <c>mlContext.DensityEstimation().Trainers</c>.</summary>
public static class PixelCnnCatalogExtensions
{
    /// <summary>A gated PixelCNN over a vector column read as an image (row-major, a pixel's channels side by side).</summary>
    /// <param name="catalog">The density estimation trainers catalog.</param>
    /// <param name="options">Image shape, network and training options.</param>
    /// <remarks>Outputs the density columns (LogLikelihood, TokenCount, Score, PredictedLabel), like FVSBN, NADE and MADE.</remarks>
    public static DensityTrainer PixelCnn(this DensityEstimationCatalog.TrainerCatalog catalog, PixelCnnOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new DensityTrainer(catalog.Context, options);
    }

    /// <summary>A gated PixelCNN with default network options on <paramref name="featureColumnName"/>.</summary>
    /// <param name="catalog">The density estimation trainers catalog.</param>
    /// <param name="height">Rows of the image.</param>
    /// <param name="width">Columns of the image.</param>
    /// <param name="featureColumnName">Feature column: a vector of Single or Boolean of height × width values.</param>
    /// <param name="distribution">Bernoulli for binary images, Categorical (256 values) for 8-bit ones.</param>
    /// <param name="maxIterations">Optimizer steps.</param>
    public static DensityTrainer PixelCnn(this DensityEstimationCatalog.TrainerCatalog catalog, int height, int width, string featureColumnName = "Features",
        OutputDistribution distribution = OutputDistribution.Bernoulli, int maxIterations = 2000) =>
        catalog.PixelCnn(new PixelCnnOptions
        {
            Height = height, Width = width, FeatureColumnName = featureColumnName, Distribution = distribution, MaxIterations = maxIterations,
        });
}
