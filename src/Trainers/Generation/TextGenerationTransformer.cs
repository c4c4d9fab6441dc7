using ArML.Data;
using Microsoft.ML;

namespace ArML.Trainers.Generation;

/// <summary>
/// Generates a continuation of each row's prompt with a language model: a lazy, batched ArML transform made by
/// <c>mlContext.LanguageModeling().Generate(outputColumnName, inputColumnName, model, options)</c>.
/// </summary>
/// <remarks>
/// | Column | Type | Role |
/// |---|---|---|
/// | input | String | prompt (empty or missing: start of a row) |
/// | condition (conditional models) | Key or Vector&lt;Key&gt; | the condition, as in training |
/// | output | String, or Vector&lt;String&gt; of NumberOfSequences | generated continuations (beam search: best first; "" where fewer beams finished) |
///
/// Nothing is generated until a cursor asks for the output column; rows are then decoded a batch at a time. Each row
/// draws from its own seed, derived from the options' seed (or one drawn from the MLContext when the estimator was
/// made) and the row's position, so reading the data again gives the same text and equal prompts on different rows
/// get different samples. Batching pads rows, which can change logits in the last bits: a row read alone (for example
/// by a prediction engine) can, rarely, sample differently at a near tie. The transform references the language
/// model without owning it, and cannot be saved: save the model with <c>SaveArml</c> and re-create this step after loading.
/// </remarks>
public sealed class TextGenerationTransformer : RowMappingTransformer, ICanSaveModel
{
    private readonly GenerationOptions _options;

    internal TextGenerationTransformer(TextGenerator generator, string outputColumnName, string inputColumnName, string? conditionColumnName,
        GenerationOptions options, int seed)
    {
        Generator = generator;
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
        ConditionColumnName = conditionColumnName;
        _options = options;
        Seed = seed;
    }

    /// <summary>The generator (language model and codec).</summary>
    public TextGenerator Generator { get; }

    /// <summary>Column of generated text.</summary>
    public string OutputColumnName { get; }

    /// <summary>Prompt column.</summary>
    public string InputColumnName { get; }

    /// <summary>Condition column of a conditional model, or null.</summary>
    public string? ConditionColumnName { get; }

    /// <summary>A copy of the decoding options.</summary>
    public GenerationOptions Options => _options.Clone();

    /// <summary>The seed rows' seeds derive from.</summary>
    public int Seed { get; }

    internal GenerationOptions SharedOptions => _options;

    /// <inheritdoc/>
    internal override BatchRowMapper CreateMapper(DataViewSchema inputSchema) => new TextGenerationMapper(inputSchema, this);

    /// <summary>The transform references a model it does not own, so no file can hold it.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException(
            "A text generation step cannot be saved: save the language model pipeline with mlContext.Model.SaveArml, and after " +
            "LoadArml create the step again with mlContext.LanguageModeling().Generate(output, input, loadedModel, options).");
}
