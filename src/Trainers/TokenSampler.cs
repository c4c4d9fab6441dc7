namespace ArML.Trainers;

/// <summary>The argument checks and the next-token draw that every family's <see cref="IAutoregressiveScorer.Sample"/> shares.</summary>
internal static class TokenSampler
{
    /// <summary>Rejects a sampling request the model cannot serve, naming the argument.</summary>
    public static void CheckRequest(TokenIdLayout vocabulary, IReadOnlyList<int> prompt, int maxNewTokens, double temperature, IReadOnlyList<int>? condition)
    {
        if (temperature < 0 || double.IsNaN(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), "Temperature must be ≥ 0.");
        ArgumentOutOfRangeException.ThrowIfNegative(maxNewTokens);
        if (condition is { Count: > 0 } && vocabulary.ConditionKeyCount == 0)
            throw new ArgumentException("This model was trained without a condition column.", nameof(condition));
        foreach (int id in prompt)
            if (id < 0 || id >= vocabulary.TokenKeyCount) throw new ArgumentOutOfRangeException(nameof(prompt), $"Token id {id} is outside the vocabulary (0..{vocabulary.TokenKeyCount - 1}).");
        foreach (int c in condition ?? [])
            if (c < 0 || c >= vocabulary.ConditionKeyCount) throw new ArgumentOutOfRangeException(nameof(condition), $"Condition id {c} is outside 0..{vocabulary.ConditionKeyCount - 1}.");
    }

    /// <summary>
    /// Draws the next id from <paramref name="logits"/> at <paramref name="temperature"/> (0: arg-max). Only tokens and
    /// the end of the row can follow, so ids from the separator on (the condition ids) are never drawn, and neither is
    /// the unknown token (a model does not choose to emit "unknown").
    /// </summary>
    public static int Pick(ReadOnlySpan<float> logits, TokenIdLayout vocabulary, double temperature, Random random)
    {
        int allowed = vocabulary.Separator + 1;
        int unknown = vocabulary.UnknownToken;
        if (temperature == 0)
        {
            int best = unknown == 0 ? 1 : 0;
            for (int i = best + 1; i < allowed; i++) if (i != unknown && logits[i] > logits[best]) best = i;
            return best;
        }
        double max = double.NegativeInfinity;
        for (int i = 0; i < allowed; i++) if (i != unknown) max = Math.Max(max, logits[i]);
        var weights = new double[allowed];
        double sum = 0;
        for (int i = 0; i < allowed; i++) sum += weights[i] = i == unknown ? 0 : Math.Exp((logits[i] - max) / temperature);
        double u = random.NextDouble() * sum;
        for (int i = 0; i < allowed; i++)
        {
            u -= weights[i];
            if (u <= 0 && weights[i] > 0) return i;
        }
        return allowed - 1;
    }
}
