namespace ArML.Trainers.Generation;

/// <summary>What every family's side of <see cref="IStepDecodingModel"/> shares: the beginning of a row and the argument checks of decoders.</summary>
internal static class StepDecoding
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

    /// <summary>Checks a <see cref="IStepDecoder.Prefill"/> call: at least one prefix, each of at least one valid id, and room for the logits.</summary>
    public static void CheckPrefill(IReadOnlyList<IReadOnlyList<int>> prefixes, Span<float> logits, int logitCount)
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        ArgumentOutOfRangeException.ThrowIfLessThan(prefixes.Count, 1, nameof(prefixes));
        CheckLogitSpan(logits, prefixes.Count, logitCount);
        for (int r = 0; r < prefixes.Count; r++)
            CheckIds(prefixes[r] ?? throw new ArgumentNullException(nameof(prefixes), $"Prefix {r} is null."), logitCount);
    }

    /// <summary>Checks an <see cref="IStepDecoder.Append"/> call: one valid id per row and room for the logits.</summary>
    public static void CheckAppend(ReadOnlySpan<int> ids, int rowCount, Span<float> logits, int logitCount)
    {
        if (rowCount == 0) throw new InvalidOperationException("Call Prefill before Append.");
        if (ids.Length != rowCount) throw new ArgumentException($"Append takes one id per row ({rowCount}), not {ids.Length}.", nameof(ids));
        CheckIds(ids, logitCount);
        CheckLogitSpan(logits, rowCount, logitCount);
    }

    /// <summary>Checks the rows of an <see cref="IStepDecoder.Select"/> call.</summary>
    public static void CheckRows(ReadOnlySpan<int> rows, int rowCount)
    {
        if (rowCount == 0) throw new InvalidOperationException("Call Prefill before Select.");
        foreach (int r in rows)
            if (r < 0 || r >= rowCount) throw new ArgumentOutOfRangeException(nameof(rows), $"Row {r} is outside 0..{rowCount - 1}.");
    }
}
