using ArML.Persistence;
using ArML.Trainers.Stateful;

namespace ArML.Trainers.Lstm;

/// <summary>Reads a <see cref="LanguageModelTransformer"/> holding an <see cref="LstmLanguageModel"/>, saved by <c>SaveArml</c>.</summary>
internal sealed class LstmLanguageModelLoader : IArmlComponentLoader
{
    /// <summary>The state dict an <see cref="LstmModel"/> of shape <paramref name="m"/> has (libtorch's fused RNN names, all F32).</summary>
    internal static IEnumerable<TensorSpec> ExpectedTensors(LstmConfig m)
    {
        long gates = (m.Cell == RecurrentCell.Lstm ? 4L : 3L) * m.HiddenSize;
        yield return new("wte.weight", "F32", [m.VocabularySize, m.EmbeddingSize]);
        for (int l = 0; l < m.LayerCount; l++)
        {
            long input = l == 0 ? m.EmbeddingSize : m.HiddenSize;
            yield return new($"rnn.weight_ih_l{l}", "F32", [gates, input]);
            yield return new($"rnn.weight_hh_l{l}", "F32", [gates, m.HiddenSize]);
            yield return new($"rnn.bias_ih_l{l}", "F32", [gates]);
            yield return new($"rnn.bias_hh_l{l}", "F32", [gates]);
        }
        if (m.TiedOutput) yield return new("lm_bias", "F32", [m.VocabularySize]);
        else
        {
            yield return new("lm_head.weight", "F32", [m.VocabularySize, m.HiddenSize]);
            yield return new("lm_head.bias", "F32", [m.VocabularySize]);
        }
    }

    /// <inheritdoc/>
    public Microsoft.ML.ITransformer Load(ArmlComponentReader reader, ArmlLoadContext context) =>
        StatefulModelLoader.Load<LstmConfig, LstmModel>(reader, context, "LSTM language model",
            (m, vocabularySize) => m.VocabularySize == vocabularySize && Enum.IsDefined(m.Cell) && m.LayerCount >= 1 && m.HiddenSize >= 1
                && m.EmbeddingSize >= 1 && m.Dropout is >= 0 and < 1,
            ExpectedTensors,
            m => new LstmModel(m),
            (network, ids, device) => new LstmLanguageModel(network, ids, device));
}
