using ArML.Persistence;
using ArML.Trainers.Stateful;

namespace ArML.Trainers.WaveNet;

/// <summary>Reads a <see cref="LanguageModelTransformer"/> holding a <see cref="WaveNetLanguageModel"/>, saved by <c>SaveArml</c>.</summary>
internal sealed class WaveNetLanguageModelLoader : IArmlComponentLoader
{
    /// <summary>The state dict a <see cref="WaveNetModel"/> of shape <paramref name="m"/> has (all F32).</summary>
    internal static IEnumerable<TensorSpec> ExpectedTensors(WaveNetConfig m)
    {
        long r = m.ResidualChannels, s = m.SkipChannels;
        yield return new("wte.weight", "F32", [m.VocabularySize, r]);
        for (int l = 0; l < m.LayerCount; l++)
        {
            yield return new($"dilated.{l}.weight", "F32", [2 * r, r, 2]);
            yield return new($"dilated.{l}.bias", "F32", [2 * r]);
            yield return new($"residual.{l}.weight", "F32", [r, r, 1]);
            yield return new($"residual.{l}.bias", "F32", [r]);
            yield return new($"skip.{l}.weight", "F32", [s, r, 1]);
            yield return new($"skip.{l}.bias", "F32", [s]);
        }
        yield return new("head_hidden.weight", "F32", [s, s, 1]);
        yield return new("head_hidden.bias", "F32", [s]);
        yield return new("head_out.weight", "F32", [m.VocabularySize, s, 1]);
        yield return new("head_out.bias", "F32", [m.VocabularySize]);
    }

    /// <inheritdoc/>
    public Microsoft.ML.ITransformer Load(ArmlComponentReader reader, ArmlLoadContext context) =>
        StatefulModelLoader.Load<WaveNetConfig, WaveNetModel>(reader, context, "WaveNet language model",
            (m, vocabularySize) => m.VocabularySize == vocabularySize && m.LayersPerCycle is >= 1 and <= 16 && m.DilationCycles is >= 1 and <= 16
                && m.ResidualChannels >= 1 && m.SkipChannels >= 1,
            ExpectedTensors,
            m => new WaveNetModel(m),
            (network, ids, device) => new WaveNetLanguageModel(network, ids, device));
}
