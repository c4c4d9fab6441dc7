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
        string? problem = Problem(config.OutputColumnName, config.InputColumnName, config.Shape, config.ScoringBatchSize);
        if (problem != null) throw new ArmlModelFormatException($"The vector quantizer's config.json is inconsistent: {problem}.");
        var model = LoadModel(reader, context, config.Shape!);
        return new VectorQuantizingTransformer(model, config.OutputColumnName, config.InputColumnName, config.ScoringBatchSize, config.Metrics);
    }

    /// <summary>The network in weights.safetensors, checked against <paramref name="shape"/> before it is built, on the context's device.</summary>
    /// <exception cref="ArmlModelFormatException">A tensor is missing, unexpected or of another shape or type.</exception>
    internal static VectorQuantizerModel LoadModel(ArmlComponentReader reader, ArmlLoadContext context, VectorQuantizerShape shape)
    {
        var weights = reader.ReadTensors("weights.safetensors");
        // Checked before the network is built, so the config cannot make ArML allocate more than the file holds.
        SavedTensors.Require(weights, VectorQuantizerNetwork.ExpectedTensors(shape), "The vector quantizer's weights.safetensors");
        var device = TorchRuntime.SelectDevice(context.GpuDeviceId, context.FallbackToCpu);
        var network = new VectorQuantizerNetwork(shape, seed: null);
        try
        {
            ModuleWeights.Import(network, weights);
            network.to(device);
            return new VectorQuantizerModel(network, device);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>What is wrong with a saved configuration's shared fields, or null.</summary>
    internal static string? Problem(string? outputColumnName, string? inputColumnName, VectorQuantizerShape? shape, int scoringBatchSize) =>
        shape is null ? "the image shape is missing"
        : string.IsNullOrEmpty(inputColumnName) || string.IsNullOrEmpty(outputColumnName) ? "a column name is missing"
        : shape.Problem() ?? (scoringBatchSize < 1 ? "the scoring batch size must be positive" : null);
}
