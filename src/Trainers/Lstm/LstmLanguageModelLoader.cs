using ArML.Persistence;
using ArML.Trainers.Stateful;

namespace ArML.Trainers.Lstm;

/// <summary>Reads a <see cref="LanguageModelTransformer"/> holding an <see cref="LstmLanguageModel"/>, saved by <c>SaveArml</c>.</summary>
public sealed class LstmLanguageModelLoader : IArmlComponentLoader
{
    /// <inheritdoc/>
    public Microsoft.ML.ITransformer Load(ArmlComponentReader reader, ArmlLoadContext context) =>
        StatefulModelLoader.Load<LstmConfig, LstmModel>(reader, context, "LSTM language model",
            (m, vocabularySize) => m.VocabularySize == vocabularySize && Enum.IsDefined(m.Cell) && m.LayerCount >= 1 && m.HiddenSize >= 1
                && m.EmbeddingSize >= 1 && m.Dropout is >= 0 and < 1,
            m => new LstmModel(m),
            (network, ids, device) => new LstmLanguageModel(network, ids, device));
}
