using Microsoft.ML;
using ArML.Schema;
using ArML.Torch;
using ArML.Training;
using TorchSharp;

namespace ArML.Trainers.Density;

/// <summary>
/// Trains an autoregressive density model (FVSBN, NADE or MADE, as the options say) on a fixed-length vector
/// column. Create it with <c>mlContext.DensityEstimation().Trainers.Fvsbn(…)</c>, <c>.Nade(…)</c> or <c>.Made(…)</c>.
/// </summary>
/// <remarks>
/// | Column | Type | Role |
/// |---|---|---|
/// | <see cref="DensityTrainerOptions.FeatureColumnName"/> | Vector&lt;Single&gt; or Vector&lt;Boolean&gt;, fixed or variable size | input: the vectors |
/// | LogLikelihood | Double | output: natural-log density of the row's vector |
/// | TokenCount | Int32 | output: the dimension D |
/// | Score | Single | output: −LogLikelihood, an anomaly score (higher is more unusual) |
/// | PredictedLabel | Boolean | output: Score above the anomaly threshold |
///
/// Training reads the column once through a cursor into compact storage (a bit per value for Bernoulli data, a byte
/// for categorical data), checking every row: its length, NaN, and values against the distribution. The loop
/// (AdamW, warm-up and cosine decay, clipping, validation, early stopping, checkpoints) is the shared
/// <see cref="TrainingLoop"/>. Seeded from <see cref="TrainerOptionsBase.Seed"/> or the MLContext's seed: the same
/// seed gives the same model on the CPU. Computes on <c>MLContext.GpuDeviceId</c> when set and available.
/// </remarks>
public sealed class DensityTrainer : IEstimator<DensityTransformer>, IChainValidatedTrainer
{
    // Rows scored to place the anomaly threshold; a quantile needs no more.
    private const int ThresholdRows = 10_000;
    private readonly MLContext _context;
    private readonly DensityTrainerOptions _options;

    internal DensityTrainer(MLContext context, DensityTrainerOptions options)
    {
        options.Validate();
        _context = context;
        _options = options;
    }

    /// <summary>Trains a model on <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing, of the wrong type, or (validation set) of another size.</exception>
    /// <exception cref="InvalidDataException">
    /// A row has another length, a NaN, or a value outside the distribution's support, or (Gaussian mixture) a validation
    /// value lies too far from the training data (see <see cref="Standardization.MaxStandardizedMagnitude"/>). The message
    /// names the column and row.
    /// </exception>
    /// <exception cref="InvalidOperationException">The data has no rows, or training diverged.</exception>
    public DensityTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        string name = _options.FeatureColumnName;
        var column = DensityColumns.RequireFeatures(input.Schema, name);
        DensityColumns.RequireKeysFit(column, _options.Distribution, _options.CategoryCount);
        int? size = ((Microsoft.ML.Data.VectorDataViewType)column.Type).Size is int s and > 0 ? s : null;
        // A PixelCNN's image fixes the length: a variable-size column has every row checked against it as it is read.
        if (_options.RequiredDimension is int required)
        {
            DensityColumns.RequireFeatures(input.Schema, name, required);
            size = required;
        }
        ChainValidation.Check(this, name);
        if (_options.ValidationSet != null) DensityColumns.RequireFeatures(_options.ValidationSet.Schema, name, size);

        TorchRuntime.EnsureInitialized();
        using var host = ArmlHost.Create(_context, nameof(DensityTrainer));
        var distribution = ConditionalDistribution.Create(_options.Config(1));
        var train = DensityData.Read(input, name, _options.Distribution, distribution, size);
        if (train.Rows == 0) throw new InvalidOperationException($"The training data has no rows in column '{name}'.");
        var validation = ChainValidation.Read(this, input, view => DensityData.Read(view, name, _options.Distribution, distribution, train.Dimension));
        var config = _options.ForColumn(_options.Config(train.Dimension), ((Microsoft.ML.Data.VectorDataViewType)column.Type).ItemType);
        host.Info($"{config.Family}: {train.Rows} rows of dimension {train.Dimension} ({train.BytesPerRow} bytes each), {config.Distribution} outputs.");

        int seed = _options.Seed ?? host.NextSeed();
        var device = TorchRuntime.SelectDevice(_context);
        torch.manual_seed(seed);
        var standardization = config.Distribution == OutputDistribution.GaussianMixture ? Standardization.Fit(train) : null;
        if (validation != null) standardization?.CheckRows(validation, $"column '{name}' of the validation set");
        var network = AutoregressiveNetwork.Create(config, seed);
        try
        {
            network.SetOutputBias(distribution.InitialBias(train));
            network.to(device);
            host.Info($"{config.Family}: {network.parameters().Sum(p => p.numel())} parameters on {device}.");
            var task = new DensityTrainingTask(network, standardization, train, validation, _options.BatchSize, _options.EvaluationBatches, device,
                _options.L1Penalty);
            var fingerprint = new TrainingFingerprint()
                .With("model", config)
                .With("training data", () => train.Fingerprint())
                .With("validation", () => validation is null ? null : new { data = validation.Fingerprint(), _options.EvaluationBatches });
            network.ComputeType = _options.TrainingComputeType(device);
            TrainingLoop.Run(task, _options, host, seed, fingerprint);
            network.ComputeType = torch.ScalarType.Float32;   // scoring, the threshold and sampling compute in float32
            var model = new DensityModel(network, standardization, device);
            float threshold = ThresholdOf(model, validation is { Rows: > 0 } ? validation : train, _options.AnomalyQuantile);
            host.Info($"{config.Family}: anomaly threshold {threshold:G6} (quantile {_options.AnomalyQuantile} of the scores of the {(validation is { Rows: > 0 } ? "validation" : "training")} rows).");
            return new DensityTransformer(model, name, threshold, _options.ScoringBatchSize);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    TrainerOptionsBase IChainValidatedTrainer.TrainingOptions => _options;

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        DensityColumns.RequireFeatures(inputSchema, _options.FeatureColumnName);
        return SchemaShapeShim.Append(inputSchema, DensityColumns.OutputSchema());
    }

    // The quantile of −log p over (at most ThresholdRows evenly spaced) rows.
    private static float ThresholdOf(DensityModel model, DensityData data, double quantile)
    {
        int count = Math.Min(ThresholdRows, data.Rows);
        var values = new float[count * data.Dimension];
        for (int i = 0; i < count; i++) data.CopyRow((int)((long)i * data.Rows / count), values.AsSpan(i * data.Dimension, data.Dimension));
        var scores = new double[count];
        model.LogLikelihoods(values, scores);
        for (int i = 0; i < count; i++) scores[i] = -scores[i];
        return AnomalyThreshold.Quantile(scores, quantile);
    }
}
