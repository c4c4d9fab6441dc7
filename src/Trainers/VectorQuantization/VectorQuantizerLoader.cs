using ArML.Persistence;
using ArML.Torch;
using TorchSharp;

namespace ArML.Trainers.VectorQuantization;

/// <summary>What a saved VQ-VAE's config.json holds.</summary>
/// <param name="OutputColumnName">The codes column produced.</param>
/// <param name="InputColumnName">The image column read.</param>
/// <param name="Shape">Image and network sizes.</param>
/// <param name="ScoringBatchSize">Images per forward pass.</param>
/// <param name="Metrics">The figures measured after training, if any.</param>
internal sealed record VectorQuantizerConfig(string OutputColumnName, string InputColumnName, VectorQuantizerShape Shape, int ScoringBatchSize,
    VectorQuantizerMetrics? Metrics);

/// <summary>Reads a <see cref="VectorQuantizingTransformer"/> saved by <c>SaveArml</c>.</summary>
internal sealed class VectorQuantizerLoader : IArmlComponentLoader
{
    /// <inheritdoc/>
    public Microsoft.ML.ITransformer Load(ArmlComponentReader reader, ArmlLoadContext context)
    {
        LayoutVersions.Require(reader, LayoutVersions.VectorQuantizer, "Vector quantizer");
        var config = reader.ReadJson<VectorQuantizerConfig>("config.json");
        string? problem = config.Shape is null ? "the image shape is missing"
            : string.IsNullOrEmpty(config.InputColumnName) || string.IsNullOrEmpty(config.OutputColumnName) ? "a column name is missing"
            : config.Shape.Problem() ?? (config.ScoringBatchSize < 1 ? "the scoring batch size must be positive" : null);
        if (problem != null) throw new ArmlModelFormatException($"The vector quantizer's config.json is inconsistent: {problem}.");
        var weights = reader.ReadTensors("weights.safetensors");
        // Checked before the network is built, so the config cannot make ArML allocate more than the file holds.
        SavedTensors.Require(weights, VectorQuantizerNetwork.ExpectedTensors(config.Shape!), "The vector quantizer's weights.safetensors");
        var device = TorchRuntime.SelectDevice(context.GpuDeviceId, context.FallbackToCpu);
        var network = new VectorQuantizerNetwork(config.Shape!);
        try
        {
            ModuleWeights.Import(network, weights);
            network.to(device);
            return new VectorQuantizingTransformer(new VectorQuantizerModel(network, device), config.OutputColumnName, config.InputColumnName,
                config.ScoringBatchSize, config.Metrics);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }
}
