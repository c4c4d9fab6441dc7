using ArML.Training;
using ArML.Data;
using ArML.Trainers.Density;

namespace ArML;

/// <summary>Adds the FVSBN, NADE and MADE trainers to <c>mlContext.DensityEstimation().Trainers</c>.</summary>
public static class DensityTrainerCatalogExtensions
{
    /// <summary>A fully visible sigmoid belief network: one logistic regression per dimension on the preceding ones.</summary>
    /// <param name="catalog">The density estimation trainers catalog.</param>
    /// <param name="options">Model and training options.</param>
    public static DensityTrainer Fvsbn(this DensityEstimationCatalog.TrainerCatalog catalog, FvsbnOptions options) => Create(catalog, options);

    /// <summary>A fully visible sigmoid belief network with default options on <paramref name="featureColumnName"/>.</summary>
    /// <param name="catalog">The density estimation trainers catalog.</param>
    /// <param name="featureColumnName">Feature column: a vector of Single or Boolean.</param>
    /// <param name="distribution">Distribution of each dimension.</param>
    /// <param name="maxIterations">Optimizer steps.</param>
    public static DensityTrainer Fvsbn(this DensityEstimationCatalog.TrainerCatalog catalog, string featureColumnName = DefaultColumnNames.Features,
        OutputDistribution distribution = OutputDistribution.Bernoulli, int maxIterations = TrainerOptionsBase.DefaultMaxIterations) =>
        catalog.Fvsbn(new FvsbnOptions { FeatureColumnName = featureColumnName, Distribution = distribution, MaxIterations = maxIterations });

    /// <summary>A neural autoregressive density estimator (one hidden layer shared across dimensions).</summary>
    /// <param name="catalog">The density estimation trainers catalog.</param>
    /// <param name="options">Model and training options.</param>
    public static DensityTrainer Nade(this DensityEstimationCatalog.TrainerCatalog catalog, NadeOptions options) => Create(catalog, options);

    /// <summary>A neural autoregressive density estimator with default options on <paramref name="featureColumnName"/>.</summary>
    /// <param name="catalog">The density estimation trainers catalog.</param>
    /// <param name="featureColumnName">Feature column: a vector of Single or Boolean.</param>
    /// <param name="hiddenSize">Hidden units.</param>
    /// <param name="distribution">Distribution of each dimension.</param>
    /// <param name="maxIterations">Optimizer steps.</param>
    public static DensityTrainer Nade(this DensityEstimationCatalog.TrainerCatalog catalog, string featureColumnName = DefaultColumnNames.Features, int hiddenSize = NadeOptions.DefaultHiddenSize,
        OutputDistribution distribution = OutputDistribution.Bernoulli, int maxIterations = TrainerOptionsBase.DefaultMaxIterations) =>
        catalog.Nade(new NadeOptions { FeatureColumnName = featureColumnName, HiddenSize = hiddenSize, Distribution = distribution, MaxIterations = maxIterations });

    /// <summary>A masked autoencoder for distribution estimation, with one or several masks.</summary>
    /// <param name="catalog">The density estimation trainers catalog.</param>
    /// <param name="options">Model and training options.</param>
    public static DensityTrainer Made(this DensityEstimationCatalog.TrainerCatalog catalog, MadeOptions options) => Create(catalog, options);

    /// <summary>A masked autoencoder for distribution estimation with default options on <paramref name="featureColumnName"/>.</summary>
    /// <param name="catalog">The density estimation trainers catalog.</param>
    /// <param name="featureColumnName">Feature column: a vector of Single or Boolean.</param>
    /// <param name="hiddenSize">Units of the one hidden layer.</param>
    /// <param name="maskCount">Masks trained and averaged over at test time.</param>
    /// <param name="distribution">Distribution of each dimension.</param>
    /// <param name="maxIterations">Optimizer steps.</param>
    public static DensityTrainer Made(this DensityEstimationCatalog.TrainerCatalog catalog, string featureColumnName = DefaultColumnNames.Features, int hiddenSize = NadeOptions.DefaultHiddenSize,
        int maskCount = 1, OutputDistribution distribution = OutputDistribution.Bernoulli, int maxIterations = TrainerOptionsBase.DefaultMaxIterations) =>
        catalog.Made(new MadeOptions
        {
            FeatureColumnName = featureColumnName, HiddenLayerSizes = [hiddenSize], MaskCount = maskCount, Distribution = distribution, MaxIterations = maxIterations,
        });

    private static DensityTrainer Create(DensityEstimationCatalog.TrainerCatalog catalog, DensityTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new DensityTrainer(catalog.Context, options);
    }
}
