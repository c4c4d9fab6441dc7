using ArML.Persistence;
using ArML.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Trainers.Generation;

/// <summary>What text generation needs from a fitted pipeline: the language model, its codec and its columns.</summary>
internal sealed record GenerationComponents(IStepDecodingModel Model, ITokenCodec? Codec, string TokenColumnName, string? ConditionColumnName)
{
    /// <summary>
    /// Finds the last <see cref="LanguageModelTransformer"/> of <paramref name="model"/> (nested chains included) and the
    /// codec of its token column: the tokenizer that writes that column, else the column's key values.
    /// </summary>
    /// <exception cref="ArgumentException">The model holds no language model.</exception>
    /// <exception cref="NotSupportedException">Its language model cannot be decoded step by step.</exception>
    public static GenerationComponents Find(ITransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var parts = ModelFlattening.Flatten(model);
        int index = parts.FindLastIndex(p => p is LanguageModelTransformer);
        if (index < 0)
            throw new ArgumentException(
                $"The model ({string.Join(" → ", parts.Select(p => p.GetType().Name))}) contains no language model (LanguageModelTransformer).", nameof(model));
        var languageModel = (LanguageModelTransformer)parts[index];
        if ((object)languageModel.Model is not IStepDecodingModel decodable)
            throw new NotSupportedException($"{languageModel.Model.GetType().Name} cannot be decoded step by step (it does not implement IStepDecodingModel).");
        var tokenizer = parts.Take(index).OfType<ITokenizerTransformer>().LastOrDefault(t => t.OutputColumnName == languageModel.TokenColumnName);
        // The codec reads the token column's ids; generation works in the model's ids (its compact vocabulary).
        var columnCodec = tokenizer?.Codec ?? languageModel.Codec;
        return new GenerationComponents(decodable, columnCodec is null ? null : languageModel.ModelIdCodec(columnCodec),
            languageModel.TokenColumnName, languageModel.Columns.ConditionColumnName);
    }
}
