using Microsoft.ML;

namespace ArML;

/// <summary>
/// Entry point of ArML's density estimation on fixed-length vectors: <c>mlContext.DensityEstimation()</c>.
/// Autoregressive trainers (FVSBN, NADE, MADE) hang off <see cref="Trainers"/> as extension methods from
/// ArML.Trainers; their transformers add an exact log-likelihood and an anomaly score to every row.
/// </summary>
/// <remarks>
/// Like <see cref="LanguageModelingCatalog"/>, this catalog keeps its <see cref="MLContext"/> visible in
/// <see cref="Context"/>: trainers need its seed, its log and its device settings.
/// </remarks>
public sealed class DensityEstimationCatalog
{
    internal DensityEstimationCatalog(MLContext context)
    {
        Context = context;
        Trainers = new TrainerCatalog(context);
    }

    /// <summary>The context this catalog was created from.</summary>
    public MLContext Context { get; }

    /// <summary>Density estimation trainers (for example <c>Made</c>).</summary>
    public TrainerCatalog Trainers { get; }

    /// <summary>Extension point for density estimation trainers.</summary>
    public sealed class TrainerCatalog
    {
        internal TrainerCatalog(MLContext context) => Context = context;

        /// <summary>The context this catalog was created from.</summary>
        public MLContext Context { get; }
    }
}

/// <summary>Adds <see cref="DensityEstimation"/> to <see cref="MLContext"/>.</summary>
public static class MLContextDensityEstimationExtensions
{
    /// <summary>ArML's density estimation catalog: autoregressive models of fixed-length vectors.</summary>
    public static DensityEstimationCatalog DensityEstimation(this MLContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new DensityEstimationCatalog(context);
    }
}
