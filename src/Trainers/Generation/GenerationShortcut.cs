using ArML.Data;
using ArML.Text;

namespace ArML.Trainers.Generation;

/// <summary>
/// The <c>Generate</c> and <c>GenerateTokens</c> shortcuts of the language-model transformers: a temperature (0:
/// greedy), a length and a seed, decoded by <see cref="TokenGenerator"/> as every other entry point decodes, so the
/// same seed gives the same text as <c>CreateTextGenerator</c> with <see cref="GenerationOptions.Seed"/> set. Without a
/// seed, the next seed of the transformer's <see cref="GenerationSeedSource"/> (drawn from the MLContext that fitted or
/// loaded it), or a fresh one when it has none.
/// </summary>
internal static class GenerationShortcut
{
    /// <summary>Text after <paramref name="prompt"/>, through <paramref name="codec"/> (the token column's).</summary>
    /// <exception cref="InvalidOperationException">There is no codec.</exception>
    public static string Generate(IStepDecodingModel model, TokenKeyMap keyMap, ITokenCodec? codec, string tokenColumnName, string prompt,
        int maxNewTokens, double temperature, int? seed, GenerationSeedSource? seeds, IReadOnlyList<int>? condition)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (codec is null)
            throw new InvalidOperationException(
                $"Column '{tokenColumnName}' had no key values when the model was trained, so ids cannot be turned into text; use GenerateTokens.");
        var ids = new List<int>();
        codec.Encode(prompt, ids);
        return codec.Decode(GenerateTokens(model, keyMap, ids, maxNewTokens, temperature, seed, seeds, condition));
    }

    /// <summary>Token ids of the column (key − 1) after <paramref name="promptIds"/>, in the same ids.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A prompt id is outside the column's keys, the policy refuses an unseen key, or an option is out of range.</exception>
    public static int[] GenerateTokens(IStepDecodingModel model, TokenKeyMap keyMap, IReadOnlyList<int> promptIds, int maxNewTokens,
        double temperature, int? seed, GenerationSeedSource? seeds, IReadOnlyList<int>? condition)
    {
        ArgumentNullException.ThrowIfNull(promptIds);
        var modelIds = new int[promptIds.Count];
        for (int i = 0; i < modelIds.Length; i++)
        {
            if (promptIds[i] < 0 || promptIds[i] >= keyMap.ColumnKeyCount)
                throw new ArgumentOutOfRangeException(nameof(promptIds),
                    $"Token id {promptIds[i]} at position {i} is outside the column's keys (0..{keyMap.ColumnKeyCount - 1}).");
            if (!keyMap.TryToModelIdOrUnknown(promptIds[i], out modelIds[i]))
                throw new ArgumentOutOfRangeException(nameof(promptIds),
                    $"Token id {promptIds[i]} (key {promptIds[i] + 1L}) at position {i} never occurred in the model's training data and UnseenKeys is {keyMap.Policy}.");
        }
        // Drawn only when needed, so calls with an explicit seed leave the series where it was.
        var options = new GenerationOptions { MaxNewTokens = maxNewTokens, Temperature = temperature, Seed = seed ?? seeds?.Next() };
        var generated = new TokenGenerator(model).Generate(modelIds, options, condition).Single().TokenIds;
        return generated.Select(keyMap.ToColumnId).ToArray();
    }
}
