using ArML.Persistence;
using ArML.Torch;
using TorchSharp;

namespace ArML.Trainers.Density;

/// <summary>What a saved density model's config.json holds.</summary>
/// <param name="FeatureColumnName">The feature column read.</param>
/// <param name="Model">Network shape.</param>
/// <param name="Standardization">A Gaussian mixture model's standardization, else null.</param>
/// <param name="Threshold">Anomaly threshold on Score.</param>
/// <param name="ScoringBatchSize">Rows per scoring pass.</param>
public sealed record DensityTransformerConfig(string FeatureColumnName, DensityModelConfig Model, Standardization? Standardization,
    float Threshold, int ScoringBatchSize);

/// <summary>Reads a <see cref="DensityTransformer"/> saved by <c>SaveArml</c>.</summary>
public sealed class DensityModelLoader : IArmlComponentLoader
{
    /// <inheritdoc/>
    public Microsoft.ML.ITransformer Load(ArmlComponentReader reader, ArmlLoadContext context)
    {
        if (reader.KindVersion != 1)
            throw new ArmlModelFormatException($"Density model layout version {reader.KindVersion} is not supported (this ArML reads version 1).");
        var config = reader.ReadJson<DensityTransformerConfig>("config.json");
        string? problem = config.Model is null ? "the model shape is missing"
            : string.IsNullOrEmpty(config.FeatureColumnName) ? "the feature column name is missing"
            : config.Model.Problem()
              ?? (config.ScoringBatchSize < 1 ? "the scoring batch size must be positive" : null)
              ?? (float.IsNaN(config.Threshold) ? "the threshold is NaN" : null)
              ?? (config.Model.Distribution == OutputDistribution.GaussianMixture
                  ? config.Standardization?.Problem(config.Model.Dimension) ?? (config.Standardization is null ? "a Gaussian mixture model needs its standardization" : null)
                  : null);
        if (problem != null) throw new ArmlModelFormatException($"The density model's config.json is inconsistent: {problem}.");
        var weights = reader.ReadTensors("weights.safetensors");
        var device = TorchRuntime.SelectDevice(context.GpuDeviceId, context.FallbackToCpu);
        // The seed only draws MADE's masks, which the saved degree buffers then replace.
        var network = AutoregressiveNetwork.Create(config.Model!, seed: 0);
        try
        {
            ModuleWeights.Import(network, weights);
            network.to(device);
            return new DensityTransformer(new DensityModel(network, config.Standardization, device), config.FeatureColumnName,
                config.Threshold, config.ScoringBatchSize);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }
}
