using ArML.Training;
using ArML.Data;

namespace ArML.Trainers.Density;

/// <summary>
/// Options every density trainer shares: the feature column, the output distribution and the scorer's settings.
/// Batching, stopping, the optimizer, validation, early stopping, checkpoints, seed and progress come from
/// <see cref="TrainerOptionsBase"/>, with defaults suited to density estimation (see the constructor).
/// </summary>
public abstract class DensityTrainerOptions : TrainerOptionsBase
{
    /// <summary>
    /// Defaults differing from <see cref="TrainerOptionsBase"/>: <see cref="TrainerOptionsBase.BatchSize"/> 100 rows,
    /// <see cref="TrainerOptionsBase.WeightDecay"/> 0 (early stopping on a validation set is the usual regularizer
    /// for these models), <see cref="TrainerOptionsBase.EvaluationBatches"/> 100.
    /// </summary>
    protected DensityTrainerOptions()
    {
        BatchSize = 100;
        WeightDecay = 0;
        EvaluationBatches = 100;
    }

    /// <summary>Feature column: a vector of Single or Boolean, of fixed or variable size (one length for all rows). Default "Features".</summary>
    public string FeatureColumnName { get; set; } = DefaultColumnNames.Features;

    /// <summary>Distribution of each dimension given the preceding ones. Default <see cref="OutputDistribution.Bernoulli"/>.</summary>
    public OutputDistribution Distribution { get; set; } = OutputDistribution.Bernoulli;

    /// <summary>Values per dimension of a <see cref="OutputDistribution.Categorical"/> model, 2 to 256. Default 256 (8-bit pixels).</summary>
    public int CategoryCount { get; set; } = 256;

    /// <summary>Gaussians per dimension of a <see cref="OutputDistribution.GaussianMixture"/> model, 1 to 64. Default 5.</summary>
    public int MixtureComponents { get; set; } = 5;

    /// <summary>Rows scored together by the trained model's transformer. Default 256.</summary>
    public int ScoringBatchSize { get; set; } = 256;

    /// <summary>
    /// Quantile of the scores (negative log-likelihoods) of the validation rows, or of the training rows without a
    /// validation set, used as the anomaly threshold: PredictedLabel is true above it. Default 0.99. Change the
    /// threshold of a trained model with <see cref="DensityTransformer.WithThreshold"/>.
    /// </summary>
    public double AnomalyQuantile { get; set; } = 0.99;

    /// <summary>
    /// Coefficient λ of an L1 penalty λ·Σ|w| on the weight matrices (the parameters weight decay applies to), in nats
    /// per row: it is divided by the dimension when added to the training loss, which is per value. Sparse weights suit
    /// regressions on many mostly irrelevant inputs, such as FVSBN's on distant pixels. The reported training loss
    /// includes the penalty; the validation loss does not. Entries a mask hides are penalized too: they never touch the
    /// likelihood, so the penalty only drives them to zero (FVSBN's start at zero; MADE's start random). Default 0 (none).
    /// </summary>
    public double L1Penalty { get; set; }

    /// <summary>Type of the training step's activations on <paramref name="device"/> (see <see cref="AutoregressiveNetwork.ComputeType"/>).</summary>
    internal virtual TorchSharp.torch.ScalarType TrainingComputeType(TorchSharp.torch.Device device) => TorchSharp.torch.ScalarType.Float32;

    /// <summary>The family these options train.</summary>
    internal abstract DensityModelFamily Family { get; }

    /// <summary>The hidden layer widths of the network.</summary>
    internal abstract int[] HiddenSizes { get; }

    /// <summary>The vector length the model requires (a PixelCNN's image size), or null when any length fits.</summary>
    internal virtual int? RequiredDimension => null;

    /// <summary>The model shape for vectors of <paramref name="dimension"/> values.</summary>
    internal virtual DensityModelConfig Config(int dimension) => new(Family, dimension, Distribution, CategoryCount, MixtureComponents,
        HiddenSizes, MaskCount: 1, ResampleOrderings: false, DirectConnections: false);

    // What the feature column's item type changes in the model (a PixelCNN reads keys one-hot); nothing by default.
    internal virtual DensityModelConfig ForColumn(DensityModelConfig config, Microsoft.ML.Data.DataViewType itemType) => config;

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        ArgumentException.ThrowIfNullOrEmpty(FeatureColumnName, nameof(FeatureColumnName));
        if (!Enum.IsDefined(Distribution)) throw new ArgumentOutOfRangeException(nameof(Distribution), $"Unknown output distribution {Distribution}.");
        if (CategoryCount is < 2 or > 256) throw new ArgumentOutOfRangeException(nameof(CategoryCount), "CategoryCount must be in 2..256.");
        if (MixtureComponents is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(MixtureComponents), "MixtureComponents must be in 1..64.");
        if (!(L1Penalty >= 0 && double.IsFinite(L1Penalty))) throw new ArgumentOutOfRangeException(nameof(L1Penalty), "L1Penalty must be finite and at least 0.");
        if (ScoringBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(ScoringBatchSize), "ScoringBatchSize must be at least 1.");
        if (!(AnomalyQuantile is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(AnomalyQuantile), "AnomalyQuantile must be in [0, 1].");
    }
}
