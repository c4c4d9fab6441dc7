using ArML.Persistence;
using ArML.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Trainers.Gpt;

/// <summary>What a saved GPT language model's config.json holds.</summary>
/// <param name="TokenColumnName">Token column read.</param>
/// <param name="KeyCount">Key count of that column.</param>
/// <param name="Vocabulary">Key values of the column, or null.</param>
/// <param name="Model">Network shape.</param>
/// <param name="ScoringBatchSize">Rows per scoring pass.</param>
/// <param name="ScoringStride">Sliding-window step.</param>
public sealed record GptLanguageModelConfig(string TokenColumnName, int KeyCount, string[]? Vocabulary, GptConfig Model, int ScoringBatchSize, int ScoringStride);

/// <summary>GPT parameters to and from safetensors, by their GPT-2 names.</summary>
internal static class GptWeights
{
    public static IEnumerable<KeyValuePair<string, TensorData>> Export(GptModel model) =>
        model.state_dict().Select(kv => KeyValuePair.Create(kv.Key, kv.Value.ToTensorData())).ToList();

    /// <summary>Copies every parameter from <paramref name="weights"/>; names and shapes must match exactly.</summary>
    public static void Import(GptModel model, IReadOnlyDictionary<string, TensorData> weights)
    {
        var state = model.state_dict();
        var extra = weights.Keys.Except(state.Keys).ToList();
        if (extra.Count > 0) throw new ArmlModelFormatException($"The GPT weights hold unexpected tensors: {string.Join(", ", extra.Take(5))}.");
        using var noGrad = no_grad();
        foreach (var (name, target) in state)
        {
            if (!weights.TryGetValue(name, out var data))
                throw new ArmlModelFormatException($"The GPT weights lack tensor '{name}'.");
            if (!data.Shape.SequenceEqual(target.shape))
                throw new ArmlModelFormatException($"Tensor '{name}' has shape [{string.Join(", ", data.Shape)}], the model expects [{string.Join(", ", target.shape)}].");
            using var source = data.ToTensor();
            target.copy_(source);
        }
    }
}

/// <summary>Reads a <see cref="LanguageModelTransformer"/> saved by <c>SaveArml</c>.</summary>
public sealed class GptLanguageModelLoader : IArmlComponentLoader
{
    /// <inheritdoc/>
    public Microsoft.ML.ITransformer Load(ArmlComponentReader reader, ArmlLoadContext context)
    {
        if (reader.KindVersion != 1)
            throw new ArmlModelFormatException($"GPT language model layout version {reader.KindVersion} is not supported (this ArML reads version 1).");
        var config = reader.ReadJson<GptLanguageModelConfig>("config.json");
        var m = config?.Model;
        if (config is null || m is null || string.IsNullOrEmpty(config.TokenColumnName) || config.KeyCount < 1 || m.VocabularySize != config.KeyCount + 1
            || m.ContextLength < 1 || m.LayerCount < 1 || m.HeadCount < 1 || m.EmbeddingSize < 1 || m.EmbeddingSize % m.HeadCount != 0
            || config.ScoringBatchSize < 1 || config.ScoringStride < 1 || config.ScoringStride > m.ContextLength
            || (config.Vocabulary != null && config.Vocabulary.Length != config.KeyCount))
            throw new ArmlModelFormatException("The GPT language model's config.json is incomplete or inconsistent.");
        var weights = reader.ReadTensors("weights.safetensors");
        var device = TorchRuntime.SelectDevice(context.GpuDeviceId, context.FallbackToCpu);
        var model = new GptModel(m);
        try
        {
            GptWeights.Import(model, weights);
            model.to(device);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return new LanguageModelTransformer(config.TokenColumnName, config.KeyCount, new GptLanguageModel(model, device), config.Vocabulary,
            config.ScoringBatchSize, config.ScoringStride);
    }
}
