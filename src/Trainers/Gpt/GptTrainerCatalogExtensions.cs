using ArML.Training;
using ArML.Data;
using ArML.Trainers.Gpt;

namespace ArML;

/// <summary>Adds the GPT trainer to <c>mlContext.LanguageModeling().Trainers</c>.</summary>
public static class GptTrainerCatalogExtensions
{
    /// <summary>A decoder-only transformer language model trained on a token-key column.</summary>
    /// <param name="catalog">The language modeling trainers catalog.</param>
    /// <param name="options">Model shape and training options.</param>
    public static GptTrainer Gpt(this LanguageModelingCatalog.TrainerCatalog catalog, GptTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new GptTrainer(catalog.Context, options);
    }

    /// <summary>A decoder-only transformer language model with default options on <paramref name="tokenColumnName"/>.</summary>
    /// <param name="catalog">The language modeling trainers catalog.</param>
    /// <param name="tokenColumnName">Token column: a vector of keys.</param>
    /// <param name="maxIterations">Optimizer steps.</param>
    public static GptTrainer Gpt(this LanguageModelingCatalog.TrainerCatalog catalog, string tokenColumnName = DefaultColumnNames.Tokens, int maxIterations = TrainerOptionsBase.DefaultMaxIterations) =>
        catalog.Gpt(new GptTrainer.Options { TokenColumnName = tokenColumnName, MaxIterations = maxIterations });
}
