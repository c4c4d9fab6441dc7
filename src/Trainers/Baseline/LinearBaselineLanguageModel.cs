using ArML.Persistence;
using ArML.Torch;
using ArML.Trainers.Stateful;
using static TorchSharp.torch;

namespace ArML.Trainers.Baseline;

/// <summary>A trained <see cref="AverageEmbeddingModel"/> as a language model. Saved as kind "ArML.LinearBaselineLanguageModel".</summary>
internal sealed class LinearBaselineLanguageModel : StatefulLanguageModel<AverageEmbeddingModel>
{
    /// <summary>Wraps a trained network living on <paramref name="device"/>.</summary>
    public LinearBaselineLanguageModel(AverageEmbeddingModel model, TokenIdLayout vocabulary, Device device) : base(model, vocabulary, device)
    {
    }

    /// <inheritdoc/>
    public override string ArmlKind => "ArML.LinearBaselineLanguageModel";

    /// <inheritdoc/>
    public override int ArmlKindVersion => StatefulModelVersion;

    /// <inheritdoc/>
    public override void SaveArml(ArmlComponentWriter writer, LanguageModelTransformer owner) => Save(writer, owner, Model.Config);
}
