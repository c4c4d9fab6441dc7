using ArML.Persistence;
using ArML.Torch;
using TorchSharp;

namespace ArML.Trainers.Lstm;

/// <summary>What a saved LSTM/GRU language model's config.json holds.</summary>
/// <param name="Columns">Columns read and written.</param>
/// <param name="Ids">The model's id layout.</param>
/// <param name="Tokens">Key values of the token column, or null.</param>
/// <param name="Model">Network shape.</param>
/// <param name="ScoringBatchSize">Rows per scoring pass.</param>
public sealed record LstmLanguageModelConfig(LanguageModelColumns Columns, TokenIdLayout Ids, string[]? Tokens, LstmConfig Model, int ScoringBatchSize);

/// <summary>Reads a <see cref="LanguageModelTransformer"/> holding an <see cref="LstmLanguageModel"/>, saved by <c>SaveArml</c>.</summary>
public sealed class LstmLanguageModelLoader : IArmlComponentLoader
{
    /// <inheritdoc/>
    public Microsoft.ML.ITransformer Load(ArmlComponentReader reader, ArmlLoadContext context)
    {
        if (reader.KindVersion != 1)
            throw new ArmlModelFormatException($"LSTM language model layout version {reader.KindVersion} is not supported (this ArML reads version 1).");
        var config = reader.ReadJson<LstmLanguageModelConfig>("config.json");
        var m = config?.Model;
        var ids = config?.Ids;
        if (config is null || m is null || ids is null || config.Columns is null || string.IsNullOrEmpty(config.Columns.TokenColumnName)
            || config.Columns.ConditionColumnName != null || ids.TokenKeyCount < 1 || ids.ConditionKeyCount != 0 || m.VocabularySize != ids.Size
            || !Enum.IsDefined(m.Cell) || m.LayerCount < 1 || m.HiddenSize < 1 || m.EmbeddingSize < 1 || m.Dropout is < 0 or >= 1
            || config.ScoringBatchSize < 1 || (config.Tokens != null && config.Tokens.Length != ids.TokenKeyCount))
            throw new ArmlModelFormatException("The LSTM language model's config.json is incomplete or inconsistent.");
        var weights = reader.ReadTensors("weights.safetensors");
        var device = TorchRuntime.SelectDevice(context.GpuDeviceId, context.FallbackToCpu);
        TorchRuntime.EnsureInitialized();
        var model = new LstmModel(m);
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
        return new LanguageModelTransformer(new LstmLanguageModel(model, ids, device), config.Columns, config.Tokens, config.ScoringBatchSize, int.MaxValue);
    }
}
