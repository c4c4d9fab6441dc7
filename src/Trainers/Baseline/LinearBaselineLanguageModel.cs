using ArML.Persistence;
using ArML.Torch;
using TorchSharp;
using ArML.Trainers.Stateful;
using static TorchSharp.torch;

namespace ArML.Trainers.Baseline;

/// <summary>A trained <see cref="AverageEmbeddingModel"/> as a language model. Saved as kind "ArML.LinearBaselineLanguageModel".</summary>
public sealed class LinearBaselineLanguageModel : StatefulLanguageModel<AverageEmbeddingModel>
{
    /// <summary>Wraps a trained network living on <paramref name="device"/>.</summary>
    public LinearBaselineLanguageModel(AverageEmbeddingModel model, TokenIdLayout vocabulary, Device device) : base(model, vocabulary, device)
    {
    }

    /// <inheritdoc/>
    public override string ArmlKind => "ArML.LinearBaselineLanguageModel";

    /// <inheritdoc/>
    public override int ArmlKindVersion => 1;

    /// <inheritdoc/>
    public override void SaveArml(ArmlComponentWriter writer, LanguageModelTransformer owner)
    {
        writer.WriteJson("config.json", new LinearBaselineConfig(owner.Columns, Vocabulary, owner.Vocabulary?.ToArray(), Model.Config, owner.ScoringBatchSize));
        writer.WriteTensors("weights.safetensors", ModuleWeights.Export(Model));
    }
}

/// <summary>What a saved linear baseline's config.json holds.</summary>
/// <param name="Columns">Columns read and written.</param>
/// <param name="Ids">The model's id layout.</param>
/// <param name="Tokens">Key values of the token column, or null.</param>
/// <param name="Model">Network shape.</param>
/// <param name="ScoringBatchSize">Rows per scoring pass.</param>
public sealed record LinearBaselineConfig(LanguageModelColumns Columns, TokenIdLayout Ids, string[]? Tokens, AverageEmbeddingConfig Model, int ScoringBatchSize);

/// <summary>Reads a <see cref="LanguageModelTransformer"/> holding a <see cref="LinearBaselineLanguageModel"/>.</summary>
public sealed class LinearBaselineLanguageModelLoader : IArmlComponentLoader
{
    /// <inheritdoc/>
    public Microsoft.ML.ITransformer Load(ArmlComponentReader reader, ArmlLoadContext context)
    {
        if (reader.KindVersion != 1)
            throw new ArmlModelFormatException($"Linear baseline layout version {reader.KindVersion} is not supported (this ArML reads version 1).");
        var config = reader.ReadJson<LinearBaselineConfig>("config.json");
        var m = config?.Model;
        var ids = config?.Ids;
        if (config is null || m is null || ids is null || config.Columns is null || string.IsNullOrEmpty(config.Columns.TokenColumnName)
            || config.Columns.ConditionColumnName != null || ids.TokenKeyCount < 1 || ids.ConditionKeyCount != 0 || m.VocabularySize != ids.Size
            || m.WindowSize < 1 || m.EmbeddingSize < 1 || config.ScoringBatchSize < 1
            || (config.Tokens != null && config.Tokens.Length != ids.TokenKeyCount))
            throw new ArmlModelFormatException("The linear baseline's config.json is incomplete or inconsistent.");
        var weights = reader.ReadTensors("weights.safetensors");
        var device = TorchRuntime.SelectDevice(context.GpuDeviceId, context.FallbackToCpu);
        TorchRuntime.EnsureInitialized();
        var model = new AverageEmbeddingModel(m);
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
        return new LanguageModelTransformer(new LinearBaselineLanguageModel(model, ids, device), config.Columns, config.Tokens, config.ScoringBatchSize, int.MaxValue);
    }
}
