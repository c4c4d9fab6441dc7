using ArML.Persistence;
using ArML.Torch;
using ArML.Trainers.Stateful;
using static TorchSharp.torch;

namespace ArML.Trainers.Lstm;

/// <summary>
/// A trained <see cref="LstmModel"/> as a language model: rows scored whole from a zero state, sampling that carries
/// the hidden state (see <see cref="StatefulLanguageModel{TNetwork}"/>). Saved as kind "ArML.LstmLanguageModel".
/// </summary>
internal sealed class LstmLanguageModel : StatefulLanguageModel<LstmModel>
{
    /// <summary>Wraps a trained network living on <paramref name="device"/>.</summary>
    public LstmLanguageModel(LstmModel model, TokenIdLayout vocabulary, Device device) : base(model, vocabulary, device)
    {
    }

    /// <inheritdoc/>
    public override string ArmlKind => "ArML.LstmLanguageModel";

    /// <inheritdoc/>
    public override int ArmlKindVersion => StatefulModelVersion;

    /// <inheritdoc/>
    public override void SaveArml(ArmlComponentWriter writer, LanguageModelTransformer owner) => Save(writer, owner, Model.Config);
}
