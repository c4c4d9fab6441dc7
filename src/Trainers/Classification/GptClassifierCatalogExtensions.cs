using ArML.Trainers.Classification;
using Microsoft.ML;

namespace ArML;

/// <summary>Adds the GPT classifier to <c>mlContext.MulticlassClassification.Trainers</c> and <c>mlContext.BinaryClassification.Trainers</c>.</summary>
public static class GptClassifierCatalogExtensions
{
    /// <summary>A GPT fine-tuned to predict a key label from a token column (GPT-1's recipe; see <see cref="GptClassifierTrainer"/>).</summary>
    /// <param name="catalog">The multiclass classification trainers catalog.</param>
    /// <param name="options">Columns, network, auxiliary LM weight and training options.</param>
    public static GptClassifierTrainer GptClassifier(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, GptClassifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new GptClassifierTrainer(options, binary: false);
    }

    /// <summary>A GPT classifier of a key label with default options.</summary>
    /// <param name="catalog">The multiclass classification trainers catalog.</param>
    /// <param name="labelColumnName">Label column: a key.</param>
    /// <param name="tokenColumnName">Token column: a vector of keys.</param>
    /// <param name="initialModel">A pretrained GPT language model to start from, or null for a new network.</param>
    /// <param name="maxIterations">Optimizer steps.</param>
    public static GptClassifierTrainer GptClassifier(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string tokenColumnName = "Tokens", Trainers.LanguageModelTransformer? initialModel = null, int maxIterations = 1000) =>
        catalog.GptClassifier(new GptClassifierOptions
        {
            LabelColumnName = labelColumnName, TokenColumnName = tokenColumnName, InitialModel = initialModel, MaxIterations = maxIterations,
        });

    /// <summary>A GPT fine-tuned to predict a Boolean label from a token column (see <see cref="GptClassifierTrainer"/>).</summary>
    /// <param name="catalog">The binary classification trainers catalog.</param>
    /// <param name="options">Columns, network, auxiliary LM weight and training options.</param>
    public static GptClassifierTrainer GptClassifier(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, GptClassifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new GptClassifierTrainer(options, binary: true);
    }

    /// <summary>A GPT classifier of a Boolean label with default options.</summary>
    /// <param name="catalog">The binary classification trainers catalog.</param>
    /// <param name="labelColumnName">Label column: a Boolean.</param>
    /// <param name="tokenColumnName">Token column: a vector of keys.</param>
    /// <param name="initialModel">A pretrained GPT language model to start from, or null for a new network.</param>
    /// <param name="maxIterations">Optimizer steps.</param>
    public static GptClassifierTrainer GptClassifier(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        string labelColumnName = "Label", string tokenColumnName = "Tokens", Trainers.LanguageModelTransformer? initialModel = null, int maxIterations = 1000) =>
        catalog.GptClassifier(new GptClassifierOptions
        {
            LabelColumnName = labelColumnName, TokenColumnName = tokenColumnName, InitialModel = initialModel, MaxIterations = maxIterations,
        });
}
