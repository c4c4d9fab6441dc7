using ArML.Data;
using ArML.Persistence;
using ArML.Torch;
using ArML.Trainers.Gpt;
using TorchSharp;

namespace ArML.Trainers.Classification;

/// <summary>What a saved GPT classifier's config.json holds.</summary>
/// <param name="TokenColumnName">The token column read.</param>
/// <param name="Binary">Binary (Boolean label) or multiclass (key label).</param>
/// <param name="ClassCount">Classes.</param>
/// <param name="ClassNames">The label's key values, or null.</param>
/// <param name="Ids">The network's id layout.</param>
/// <param name="Model">Network shape.</param>
/// <param name="ScoringBatchSize">Rows per forward pass.</param>
public sealed record GptClassificationConfig(string TokenColumnName, bool Binary, int ClassCount, string[]? ClassNames, TokenIdLayout Ids,
    GptConfig Model, int ScoringBatchSize);

/// <summary>Reads a <see cref="GptClassificationTransformer"/> saved by <c>SaveArml</c>.</summary>
internal sealed class GptClassificationLoader : IArmlComponentLoader
{
    internal const string Kind = "ArML.GptClassifier";

    /// <inheritdoc/>
    public Microsoft.ML.ITransformer Load(ArmlComponentReader reader, ArmlLoadContext context)
    {
        if (reader.KindVersion != 1)
            throw new ArmlModelFormatException($"GPT classifier layout version {reader.KindVersion} is not supported (this ArML reads version 1).");
        var config = reader.ReadJson<GptClassificationConfig>("config.json");
        var m = config?.Model;
        if (config is null || m is null || config.Ids is null || string.IsNullOrEmpty(config.TokenColumnName)
            || config.ClassCount < 2 || (config.Binary && config.ClassCount != 2) || config.ScoringBatchSize < 1
            || config.Ids.ConditionKeyCount != 0 || config.Ids.TokenKeyCount < 1 || m.VocabularySize != config.Ids.Size
            || (config.ClassNames != null && config.ClassNames.Length != config.ClassCount)
            || m.ContextLength < 3 || m.LayerCount < 1 || m.HeadCount < 1 || m.EmbeddingSize < 1 || m.EmbeddingSize % m.HeadCount != 0
            || m.Dropout is < 0 or >= 1 || !Enum.IsDefined(m.PositionEncoding) || !Enum.IsDefined(m.Activation)
            || !(m.LayerNormEpsilon > 0 && double.IsFinite(m.LayerNormEpsilon)) || m.InnerSize < 1)
            throw new ArmlModelFormatException("The GPT classifier's config.json is incomplete or inconsistent.");
        var keyMap = TokenKeyMapFile.Read(reader, config.Ids.TokenKeyCount, config.Ids.HasUnknown);
        var weights = reader.ReadTensors("weights.safetensors");
        var head = reader.ReadTensors("head.safetensors");
        // Checked before anything is built, so the config cannot make ArML allocate more than the file holds.
        SavedTensors.Require(weights, GptLanguageModelLoader.ExpectedTensors(m), "The GPT classifier's weights.safetensors");
        SavedTensors.Require(head, [new("weight", "F32", [config.ClassCount, m.EmbeddingSize]), new("bias", "F32", [config.ClassCount])],
            "The GPT classifier's head.safetensors");
        var device = TorchRuntime.SelectDevice(context.GpuDeviceId, context.FallbackToCpu);
        var network = new GptClassifierNetwork(new GptModel(m, seed: 0, initialize: false), config.ClassCount, seed: 0);   // all read below
        try
        {
            ModuleWeights.Import(network.Gpt, weights);
            ModuleWeights.Import(network.Head, head);
            network.to(device);
        }
        catch
        {
            network.Dispose();
            throw;
        }
        return new GptClassificationTransformer(network, keyMap, config.Ids, config.TokenColumnName, config.Binary, config.ClassNames,
            config.ScoringBatchSize, device);
    }
}
