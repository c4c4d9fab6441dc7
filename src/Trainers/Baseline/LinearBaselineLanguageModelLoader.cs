using ArML.Persistence;
using ArML.Trainers.Stateful;

namespace ArML.Trainers.Baseline;

/// <summary>Reads a <see cref="LanguageModelTransformer"/> holding a <see cref="LinearBaselineLanguageModel"/>, saved by <c>SaveArml</c>.</summary>
internal sealed class LinearBaselineLanguageModelLoader : IArmlComponentLoader
{
    /// <inheritdoc/>
    public Microsoft.ML.ITransformer Load(ArmlComponentReader reader, ArmlLoadContext context) =>
        StatefulModelLoader.Load<AverageEmbeddingConfig, AverageEmbeddingModel>(reader, context, "linear baseline",
            (m, vocabularySize) => m.VocabularySize == vocabularySize && m.WindowSize >= 1 && m.EmbeddingSize >= 1,
            m => [new("wte.weight", "F32", [m.VocabularySize, m.EmbeddingSize]), new("w.weight", "F32", [m.EmbeddingSize, m.EmbeddingSize]),
                new("v.weight", "F32", [m.VocabularySize, m.EmbeddingSize])],
            m => new AverageEmbeddingModel(m),
            (network, ids, device) => new LinearBaselineLanguageModel(network, ids, device));
}
