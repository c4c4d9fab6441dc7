using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Schema;
using ArML.Torch;
using ArML.Trainers.Density;
using ArML.Training;
using TorchSharp;

namespace ArML.Trainers.VectorQuantization;

/// <summary>
/// Trains a VQ-VAE (encoder → codebook of K vectors → decoder) on an image column and returns the
/// <see cref="VectorQuantizingTransformer"/> that turns images into grids of codes. Create it with
/// <c>mlContext.Transforms.VectorQuantize(…)</c>.
/// </summary>
/// <remarks>
/// | Column | Type | Role |
/// |---|---|---|
/// | input | Vector&lt;Single&gt; or Vector&lt;Boolean&gt; of Height × Width × Channels | the images (row-major, channels last) |
/// | output | Vector&lt;Key&lt;UInt32, K&gt;, (Height/2^L) × (Width/2^L)&gt; | the codes (key = code + 1) |
///
/// Training reads the column once into compact storage (a bit per value for Boolean columns), checking every row's
/// length and NaN, and runs the shared <see cref="TrainingLoop"/> (AdamW, warm-up and cosine decay, clipping,
/// validation, early stopping, checkpoints and resumption). The reconstruction error and the codebook's usage are
/// measured at the end (<see cref="VectorQuantizingTransformer.Metrics"/>). ML.NET's transforms catalog does not
/// expose its MLContext, so progress goes to <see cref="TrainerOptionsBase.Progress"/>, the seed is
/// <see cref="TrainerOptionsBase.Seed"/> (default 1: the same data and options give the same model) and training
/// runs on the CPU.
/// </remarks>
public sealed class VectorQuantizingEstimator : IEstimator<VectorQuantizingTransformer>, IChainValidatedTrainer
{
    // Rows measured for the metrics; a frequency and a mean need no more.
    private const int MetricRows = 10_000;
    private const int DefaultSeed = 1;
    private readonly VectorQuantizerOptions _options;

    internal VectorQuantizingEstimator(VectorQuantizerOptions options)
    {
        options.Validate();
        _options = options;
    }

    TrainerOptionsBase IChainValidatedTrainer.TrainingOptions => _options;

    /// <summary>Trains the VQ-VAE on <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The image column is missing, of the wrong type or of another fixed size.</exception>
    /// <exception cref="InvalidDataException">A row has another length or holds NaN; the message names the column and row.</exception>
    /// <exception cref="InvalidOperationException">The data has no rows, or training diverged.</exception>
    public VectorQuantizingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var shape = _options.Shape;
        string name = _options.InputColumnName;
        var column = VectorQuantizerColumns.RequireImages(input.Schema, name, shape);
        ChainValidation.Check(this, name);
        if (_options.ValidationSet != null) VectorQuantizerColumns.RequireImages(_options.ValidationSet.Schema, name, shape);

        TorchRuntime.EnsureInitialized();
        int seed = _options.Seed ?? DefaultSeed;
        // Only for the loop's messages: nobody listens to this context's log; progress reaches the options' Progress.
        using var host = ArmlHost.Create(new MLContext(seed), nameof(VectorQuantizingEstimator));
        var storage = VectorQuantizerColumns.Storage(column);
        var train = DensityData.Read(input, name, storage, VectorQuantizerColumns.ValueCheck, shape.Dimension);
        if (train.Rows == 0) throw new InvalidOperationException($"The training data has no rows in column '{name}'.");
        var validation = ChainValidation.Read(this, input, view =>
            DensityData.Read(view, name, VectorQuantizerColumns.Storage(VectorQuantizerColumns.RequireImages(view.Schema, name, shape)),
                VectorQuantizerColumns.ValueCheck, shape.Dimension));

        var network = new VectorQuantizerNetwork(shape, seed);
        try
        {
            var device = torch.CPU;
            var task = new VectorQuantizerTrainingTask(network, train, validation, _options, device);
            var fingerprint = new TrainingFingerprint()
                .With("model", new { shape, _options.CommitmentCost, _options.DeadCodeInterval })
                .With("training data", () => train.Fingerprint())
                .With("validation", () => validation is null ? null : new { data = validation.Fingerprint(), _options.EvaluationBatches });
            TrainingLoop.Run(task, _options, host, seed, fingerprint);
            var model = new VectorQuantizerModel(network, device);
            var metrics = model.Measure(validation is { Rows: > 0 } ? validation : train, MetricRows, _options.ScoringBatchSize, task.Restarts);
            host.Info($"VQ-VAE: reconstruction error {metrics.ReconstructionError:G4} per value, code perplexity {metrics.CodePerplexity:F1} " +
                $"of {shape.CodebookSize} ({metrics.CodesUsed} codes used), {metrics.DeadCodeRestarts} dead-code restarts.");
            return new VectorQuantizingTransformer(model, _options.OutputColumnName, name, _options.ScoringBatchSize, metrics);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        DensityColumns.RequireFeatures(inputSchema, _options.InputColumnName);
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(_options.OutputColumnName, VectorQuantizerMapper.CodesType(_options.Shape));
        return SchemaShapeShim.Append(inputSchema, builder.ToSchema());
    }
}
