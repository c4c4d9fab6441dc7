using ArML.Persistence;
using ArML.Torch;
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
        writer.WriteJson("config.json", new StatefulModelFile<AverageEmbeddingConfig>(owner.Columns, Vocabulary, owner.Vocabulary?.ToArray(), Model.Config,
            owner.ScoringBatchSize));
        writer.WriteTensors("weights.safetensors", ModuleWeights.Export(Model));
    }
}
