using ArML.Training;
using ArML.Data;
using ArML.Trainers.Baseline;

namespace ArML;

/// <summary>Adds the linear baseline to <c>mlContext.LanguageModeling().Trainers</c>.</summary>
public static class LinearBaselineTrainerCatalogExtensions
{
    /// <summary>The average-of-embeddings linear language model softmax(Vᵀ W · mean(e_t)), a teaching baseline.</summary>
    /// <param name="catalog">The language modeling trainers catalog.</param>
    /// <param name="options">Window, width and training options.</param>
    public static LinearBaselineTrainer LinearBaseline(this LanguageModelingCatalog.TrainerCatalog catalog, LinearBaselineTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new LinearBaselineTrainer(catalog.Context, options);
    }

    /// <summary>The linear baseline with default options on <paramref name="tokenColumnName"/>.</summary>
    /// <param name="catalog">The language modeling trainers catalog.</param>
    /// <param name="tokenColumnName">Token column: a vector of keys.</param>
    /// <param name="windowSize">Tokens averaged.</param>
    /// <param name="maxIterations">Optimizer steps.</param>
    public static LinearBaselineTrainer LinearBaseline(this LanguageModelingCatalog.TrainerCatalog catalog, string tokenColumnName = DefaultColumnNames.Tokens,
        int windowSize = LinearBaselineTrainer.Options.DefaultWindowSize, int maxIterations = TrainerOptionsBase.DefaultMaxIterations) =>
        catalog.LinearBaseline(new LinearBaselineTrainer.Options { TokenColumnName = tokenColumnName, WindowSize = windowSize, MaxIterations = maxIterations });
}
