using ArML.Persistence;
using ArML.Torch;
using ArML.Trainers.Stateful;
using static TorchSharp.torch;

namespace ArML.Trainers.WaveNet;

/// <summary>
/// A trained <see cref="WaveNetModel"/> as a language model: rows scored whole from empty queues, generation that
/// carries the queues (see <see cref="StatefulLanguageModel{TNetwork}"/>). Saved as kind "ArML.WaveNetLanguageModel".
/// </summary>
internal sealed class WaveNetLanguageModel : StatefulLanguageModel<WaveNetModel>
{
    /// <summary>Wraps a trained network living on <paramref name="device"/>.</summary>
    public WaveNetLanguageModel(WaveNetModel model, TokenIdLayout vocabulary, Device device) : base(model, vocabulary, device)
    {
    }

    /// <inheritdoc/>
    public override string ArmlKind => "ArML.WaveNetLanguageModel";

    /// <inheritdoc/>
    public override int ArmlKindVersion => StatefulModelVersion;

    /// <inheritdoc/>
    public override void SaveArml(ArmlComponentWriter writer, LanguageModelTransformer owner) => Save(writer, owner, Model.Config);
}
