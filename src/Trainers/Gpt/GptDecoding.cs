using ArML.Trainers.Generation;

namespace ArML.Trainers.Gpt;

/// <summary>A GPT language model's side of <see cref="IStepDecodingModel"/>: argument checks its decoders share.</summary>
internal static class GptDecoding
{
    /// <summary>The beginning of a row: condition ids (shifted), the separator, then the prompt.</summary>
    public static IReadOnlyList<int> BeginRow(TokenIdLayout vocabulary, IReadOnlyList<int> prompt, IReadOnlyList<int>? condition)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (condition is { Count: > 0 } && vocabulary.ConditionKeyCount == 0)
            throw new ArgumentException("This model was trained without a condition column, so it takes no condition.", nameof(condition));
        for (int i = 0; i < prompt.Count; i++)
            if (prompt[i] < 0 || prompt[i] >= vocabulary.TokenKeyCount)
                throw new ArgumentOutOfRangeException(nameof(prompt), $"Prompt token id {prompt[i]} at position {i} is outside the vocabulary (0..{vocabulary.TokenKeyCount - 1}).");
        var conditionIds = condition?.ToArray() ?? [];
        for (int i = 0; i < conditionIds.Length; i++)
            if (conditionIds[i] < 0 || conditionIds[i] >= vocabulary.ConditionKeyCount)
                throw new ArgumentOutOfRangeException(nameof(condition), $"Condition id {conditionIds[i]} is outside 0..{vocabulary.ConditionKeyCount - 1}.");
        var framed = new List<int>();
        vocabulary.Frame(conditionIds, prompt.ToArray(), framed);
        framed.RemoveAt(framed.Count - 1);   // the row goes on after the prompt: no end separator
        return framed;
    }

    public static void CheckIds(IReadOnlyList<int> ids, int logitCount)
    {
        if (ids.Count == 0) throw new ArgumentException("Every row needs at least one id to start from.", nameof(ids));
        foreach (int id in ids)
            if (id < 0 || id >= logitCount) throw new ArgumentOutOfRangeException(nameof(ids), $"Id {id} is outside the model's ids (0..{logitCount - 1}).");
    }

    public static void CheckIds(ReadOnlySpan<int> ids, int logitCount)
    {
        foreach (int id in ids)
            if (id < 0 || id >= logitCount) throw new ArgumentOutOfRangeException(nameof(ids), $"Id {id} is outside the model's ids (0..{logitCount - 1}).");
    }

    public static void CheckLogitSpan(Span<float> logits, int rows, int logitCount)
    {
        if (logits.Length < (long)rows * logitCount)
            throw new ArgumentException($"The logits span holds {logits.Length} values; {rows} rows × {logitCount} are needed.", nameof(logits));
    }
}
