using ArML.Text;
using ArML.Data;
using ArML.Persistence;
using ArML.Torch;
using TorchSharp;

namespace ArML.Trainers.Gpt;

/// <summary>What a saved GPT language model's config.json holds.</summary>
/// <param name="Columns">Columns read and written.</param>
/// <param name="Ids">The model's id layout.</param>
/// <param name="Tokens">Key values of the token column, or null.</param>
/// <param name="Model">Network shape.</param>
/// <param name="ScoringBatchSize">Rows per scoring pass.</param>
/// <param name="ScoringStride">Sliding-window step.</param>
public sealed record GptLanguageModelConfig(LanguageModelColumns Columns, TokenIdLayout Ids, string[]? Tokens, GptConfig Model,
    int ScoringBatchSize, int ScoringStride);

/// <summary>Reads a <see cref="LanguageModelTransformer"/> saved by <c>SaveArml</c>.</summary>
public sealed class GptLanguageModelLoader : IArmlComponentLoader
{
    /// <inheritdoc/>
    public Microsoft.ML.ITransformer Load(ArmlComponentReader reader, ArmlLoadContext context)
    {
        // Version 2 adds the compact vocabulary (token-keys.json); version 1 files read keys one to one.
        if (reader.KindVersion is not (1 or 2))
            throw new ArmlModelFormatException($"GPT language model layout version {reader.KindVersion} is not supported (this ArML reads versions 1 and 2).");
        var config = reader.ReadJson<GptLanguageModelConfig>("config.json");
        var m = config?.Model;
        var ids = config?.Ids;
        if (config is null || m is null || ids is null || config.Columns is null || string.IsNullOrEmpty(config.Columns.TokenColumnName)
            || ids.TokenKeyCount < 1 || ids.ConditionKeyCount < 0 || m.VocabularySize != ids.Size
            || (ids.ConditionKeyCount > 0) != (config.Columns.ConditionColumnName != null)
            || m.ContextLength < 1 || m.LayerCount < 1 || m.HeadCount < 1 || m.EmbeddingSize < 1 || m.EmbeddingSize % m.HeadCount != 0
            || m.Dropout is < 0 or >= 1 || config.ScoringBatchSize < 1 || config.ScoringStride < 1 || config.ScoringStride > m.ContextLength
            || (ids.HasUnknown && reader.KindVersion < 2))
            throw new ArmlModelFormatException("The GPT language model's config.json is incomplete or inconsistent.");
        var keyMap = TokenKeyMapFile.Read(reader, ids.TokenKeyCount, ids.HasUnknown);
        if (config.Tokens != null && config.Tokens.Length != keyMap.ColumnKeyCount)
            throw new ArmlModelFormatException(
                $"The GPT language model's config.json holds {config.Tokens.Length} key values for a column of {keyMap.ColumnKeyCount} keys.");
        var weights = reader.ReadTensors("weights.safetensors");
        var device = TorchRuntime.SelectDevice(context.GpuDeviceId, context.FallbackToCpu);
        var model = new GptModel(m);
        try
        {
            ModuleWeights.Import(model, weights);
            model.to(device);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return new LanguageModelTransformer(new GptLanguageModel(model, ids, device), config.Columns, config.Tokens,
            config.ScoringBatchSize, config.ScoringStride, keyMap, TokenCodecStore.Load(reader, keyMap.ColumnKeyCount));
    }
}
