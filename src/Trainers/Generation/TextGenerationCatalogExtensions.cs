using ArML.Trainers.Generation;
using Microsoft.ML;

namespace ArML;

/// <summary>Text generation on <c>mlContext.LanguageModeling()</c>.</summary>
public static class TextGenerationCatalogExtensions
{
    /// <summary>
    /// A text generator over the language model of <paramref name="model"/>: a fitted or loaded pipeline (tokenizer,
    /// then language model) or the language model alone. Prompts are encoded with the tokenizer that writes the
    /// model's token column, or else with the column's key values. Seeds not given in <see cref="GenerationOptions.Seed"/>
    /// come from the MLContext's seeded random source; notices (such as truncated prompts) go to its log.
    /// </summary>
    /// <param name="catalog">The language modeling catalog.</param>
    /// <param name="model">The fitted pipeline; the generator uses it without owning it.</param>
    /// <exception cref="ArgumentException">The model holds no language model.</exception>
    /// <exception cref="InvalidOperationException">Neither a tokenizer nor key values tell how to turn the model's ids into text.</exception>
    /// <exception cref="NotSupportedException">The language model cannot be decoded step by step.</exception>
    public static TextGenerator CreateTextGenerator(this LanguageModelingCatalog catalog, ITransformer model)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var parts = GenerationComponents.Find(model);
        var codec = parts.Codec ?? throw new InvalidOperationException(
            $"The language model's token column '{parts.TokenColumnName}' comes from no ArML tokenizer in this model and had no key values, so text " +
            "cannot be encoded or decoded; generate token ids with new TokenGenerator(languageModel.Model) instead (ids in the model's own ids: see LanguageModelTransformer.KeyMap).");
        return new TextGenerator(new TokenGenerator(parts.Model, codec, catalog.Context), parts.ConditionColumnName);
    }

    /// <summary>
    /// Generates a continuation of each row's prompt (lazily, a batch of rows per decoding pass) with the language
    /// model of <paramref name="model"/>.
    /// </summary>
    /// <param name="catalog">The language modeling catalog.</param>
    /// <param name="outputColumnName">Column of generated text: String, or a vector of <see cref="GenerationOptions.NumberOfSequences"/> Strings.</param>
    /// <param name="inputColumnName">Prompt column (String); empty or missing text starts from the beginning of a row.</param>
    /// <param name="model">Fitted pipeline holding the tokenizer and the language model (see <see cref="CreateTextGenerator"/>).</param>
    /// <param name="options">Decoding options; null for the defaults.</param>
    /// <param name="conditionColumnName">A conditional model's condition column (key or vector of keys); default: the column it was trained with.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="ArgumentException">Options contradict each other, or the model holds no language model.</exception>
    public static TextGenerationEstimator Generate(this LanguageModelingCatalog catalog, string outputColumnName, string inputColumnName,
        ITransformer model, GenerationOptions? options = null, string? conditionColumnName = null)
    {
        var generator = catalog.CreateTextGenerator(model);
        return new TextGenerationEstimator(catalog.Context, generator, outputColumnName, inputColumnName, options, conditionColumnName ?? generator.ConditionColumnName);
    }
}
