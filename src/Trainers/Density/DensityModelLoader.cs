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
internal sealed record DensityTransformerConfig(string FeatureColumnName, DensityModelConfig Model, Standardization? Standardization,
    float Threshold, int ScoringBatchSize);

/// <summary>Reads a <see cref="DensityTransformer"/> saved by <c>SaveArml</c>.</summary>
internal sealed class DensityModelLoader : IArmlComponentLoader
{
    /// <summary>The state dict of the network of shape <paramref name="m"/>: F32 weights, and MADE's I64 degree buffers.</summary>
    internal static IEnumerable<TensorSpec> ExpectedTensors(DensityModelConfig m)
    {
        long d = m.Dimension, outputs = d * m.ParametersPerDimension;
        TensorSpec F32(string name, params long[] shape) => new(name, "F32", shape);
        switch (m.Family)
        {
            case DensityModelFamily.Fvsbn:
                yield return F32("weight", outputs, d);
                yield return F32("bias", outputs);
                break;
            case DensityModelFamily.Nade:
                long h = m.HiddenSizes[0];
                yield return F32("input_weight", d, h);
                yield return F32("hidden_bias", h);
                yield return F32("output_weight", outputs, h);
                yield return F32("output_bias", outputs);
                break;
            case DensityModelFamily.PixelCnn:
                foreach (var spec in PixelCnn.PixelCnnNetwork.ExpectedTensors(m)) yield return spec;
                break;
            default:
                yield return new("input_degrees", "I64", [m.MaskCount, d]);
                long fanIn = d;
                for (int l = 0; l < m.HiddenSizes.Length; l++)
                {
                    yield return F32($"hidden_weight_{l}", m.HiddenSizes[l], fanIn);
                    yield return F32($"hidden_bias_{l}", m.HiddenSizes[l]);
                    yield return new($"hidden_degrees_{l}", "I64", [m.MaskCount, m.HiddenSizes[l]]);
                    fanIn = m.HiddenSizes[l];
                }
                yield return F32("output_weight", outputs, fanIn);
                yield return F32("output_bias", outputs);
                if (m.DirectConnections) yield return F32("direct_weight", outputs, d);
                break;
        }
    }

    // MADE's masks and orderings come from the saved degrees: each mask's input degrees must order the dimensions
    // (a permutation of 1..D) and hidden degrees lie in 1..max(1, D−1), or the model is no longer autoregressive.
    private static void CheckDegrees(DensityModelConfig m, IReadOnlyDictionary<string, TensorData> weights)
    {
        int d = m.Dimension;
        var input = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(weights["input_degrees"].Data);
        var seen = new bool[d + 1];
        for (int mask = 0; mask < m.MaskCount; mask++)
        {
            Array.Clear(seen);
            foreach (long degree in input.Slice(mask * d, d))
            {
                if (degree < 1 || degree > d || seen[degree])
                    throw new ArmlModelFormatException($"The density model's tensor 'input_degrees' row {mask} is not an ordering of 1..{d}.");
                seen[degree] = true;
            }
        }
        for (int l = 0; l < m.HiddenSizes.Length; l++)
            foreach (long degree in System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(weights[$"hidden_degrees_{l}"].Data))
                if (degree < 1 || degree > Math.Max(1, d - 1))
                    throw new ArmlModelFormatException($"The density model's tensor 'hidden_degrees_{l}' holds degree {degree}, outside 1..{Math.Max(1, d - 1)}.");
    }

    /// <inheritdoc/>
    public Microsoft.ML.ITransformer Load(ArmlComponentReader reader, ArmlLoadContext context)
    {
        LayoutVersions.Require(reader, LayoutVersions.DensityModel, "Density model");
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
        // Checked before the network is built, so the config cannot make ArML allocate more than the file holds.
        SavedTensors.Require(weights, ExpectedTensors(config.Model!), "The density model's weights.safetensors");
        if (config.Model!.Family == DensityModelFamily.Made) CheckDegrees(config.Model, weights);
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
