using ArML.Trainers;
using ArML.Trainers.Preference;

namespace ArML;

/// <summary>Adds Direct Preference Optimization to <c>mlContext.LanguageModeling().Trainers</c>.</summary>
public static class DpoCatalogExtensions
{
    /// <summary>Tunes a GPT language model on preference rows (prompt, chosen, rejected); see <see cref="DpoTrainer"/>.</summary>
    /// <param name="catalog">The language modeling trainers catalog.</param>
    /// <param name="options">Columns, the initial and reference models, β and training options.</param>
    public static DpoTrainer Dpo(this LanguageModelingCatalog.TrainerCatalog catalog, DpoOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new DpoTrainer(catalog.Context, options);
    }

    /// <summary>DPO of <paramref name="initialModel"/> against itself as the reference, with default options.</summary>
    /// <param name="catalog">The language modeling trainers catalog.</param>
    /// <param name="initialModel">The GPT language model to tune (it is not modified).</param>
    /// <param name="promptColumnName">Prompt column: a vector of keys.</param>
    /// <param name="chosenColumnName">Preferred response column: a vector of keys.</param>
    /// <param name="rejectedColumnName">Dispreferred response column: a vector of keys.</param>
    /// <param name="beta">β: how strongly the tuned model is held near the reference.</param>
    /// <param name="maxIterations">Optimizer steps.</param>
    public static DpoTrainer Dpo(this LanguageModelingCatalog.TrainerCatalog catalog, LanguageModelTransformer initialModel,
        string promptColumnName = "Prompt", string chosenColumnName = "Chosen", string rejectedColumnName = "Rejected", double beta = 0.1,
        int maxIterations = 200) =>
        catalog.Dpo(new DpoOptions
        {
            InitialModel = initialModel, PromptColumnName = promptColumnName, ChosenColumnName = chosenColumnName,
            RejectedColumnName = rejectedColumnName, Beta = beta, MaxIterations = maxIterations,
        });
}
