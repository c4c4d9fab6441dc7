using ArML.Data;
using ArML.Persistence;
using ArML.Text;
using ArML.Trainers.NGram;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Trainers.Generation;

/// <summary>What text generation needs from a fitted pipeline: the language model, its codec and its columns.</summary>
internal sealed record GenerationComponents(IStepDecodingModel Model, ITokenCodec? Codec, string TokenColumnName, string? ConditionColumnName)
{
    /// <summary>
    /// Finds the last language model (<see cref="LanguageModelTransformer"/> or <see cref="NGramTransformer"/>) of
    /// <paramref name="model"/> (nested chains included) and the codec of its token column: the tokenizer that writes that column, else the column's key values.
    /// </summary>
    /// <exception cref="ArgumentException">The model holds no language model.</exception>
    /// <exception cref="NotSupportedException">Its language model cannot be decoded step by step.</exception>
    public static GenerationComponents Find(ITransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var parts = ModelFlattening.Flatten(model);
        int index = parts.FindLastIndex(p => p is LanguageModelTransformer or NGramTransformer);
        if (index < 0)
            throw new ArgumentException(
                $"The model ({string.Join(" → ", parts.Select(p => p.GetType().Name))}) contains no language model (LanguageModelTransformer or NGramTransformer).", nameof(model));
        return parts[index] switch
        {
            LanguageModelTransformer lm => Create(parts, index, lm.StepModel, lm.Codec, lm.KeyMap, lm.TokenColumnName, lm.Columns.ConditionColumnName),
            NGramTransformer ngram => Create(parts, index, ngram.DecodingModel, ngram.Codec, ngram.KeyMap, ngram.TokenColumnName, null),
            var other => throw new InvalidOperationException($"{other.GetType().Name} is not a language model."),   // unreachable: index found one
        };
    }

    private static GenerationComponents Create(List<ITransformer> parts, int index, IStepDecodingModel model, ITokenCodec? ownCodec, TokenKeyMap keyMap,
        string tokenColumn, string? conditionColumn)
    {
        var tokenizer = parts.Take(index).OfType<ITokenizerTransformer>().LastOrDefault(t => t.OutputColumnName == tokenColumn);
        // The codec reads the token column's ids; generation works in the model's ids (its compact vocabulary).
        var columnCodec = tokenizer?.Codec ?? ownCodec;
        return new GenerationComponents(model, columnCodec is null ? null : KeyMappedCodec.Over(columnCodec, keyMap), tokenColumn, conditionColumn);
    }
}
