namespace ArML.Trainers;

/// <summary>
/// The id layout of an ArML language model: the token ids 0..K−1, then the separator K (start and end of every row),
/// then — for conditional models — the condition column's ids shifted to K+1..K+C, so conditions never collide with tokens.
/// </summary>
/// <remarks>
/// A model trained on a compact vocabulary (<see cref="Data.TokenKeyMap"/>) has the keys seen in training as ids
/// 0..K−2 and the unknown token as K−1 (<see cref="HasUnknown"/>); models saved before that read key k as id k − 1.
/// </remarks>
/// <param name="TokenKeyCount">K: token ids of the model (the column's key count for models without an unknown token).</param>
/// <param name="ConditionKeyCount">C: key count of the condition column, 0 without one.</param>
/// <param name="HasUnknown">Whether the last token id is the unknown token, which scores keys never seen in training and is never sampled.</param>
public sealed record TokenIdLayout(int TokenKeyCount, int ConditionKeyCount, bool HasUnknown = false)
{
    /// <summary>The unknown token's id (K − 1), or −1 when the model has none.</summary>
    public int UnknownToken => HasUnknown ? TokenKeyCount - 1 : -1;

    /// <summary>The separator id.</summary>
    public int Separator => TokenKeyCount;

    /// <summary>Ids the model embeds and predicts.</summary>
    public int Size => TokenKeyCount + 1 + ConditionKeyCount;

    /// <summary>The model id of condition id <paramref name="conditionId"/>.</summary>
    public int ConditionToken(int conditionId) => TokenKeyCount + 1 + conditionId;

    /// <summary>
    /// Whether a scored row begins with the separator as its first context (default true). Without it (imported models
    /// scored as Hugging Face's perplexity recipe does) an unconditional row's first token is context only, not predicted.
    /// A condition is always followed by the separator.
    /// </summary>
    public bool StartsWithSeparator { get; init; } = true;

    /// <summary>Whether a scored row ends with the separator, predicted as its last target (default true).</summary>
    public bool EndsWithSeparator { get; init; } = true;

    /// <summary>
    /// Writes the framed sequence <c>c₁ … cₘ SEP t₁ … tₙ SEP</c> into <paramref name="destination"/> and returns the
    /// position of its first scored target (m + 1: every token after the condition's SEP, and the final SEP).
    /// <see cref="StartsWithSeparator"/> and <see cref="EndsWithSeparator"/> leave out the first or the last SEP.
    /// </summary>
    public int Frame(ReadOnlySpan<int> condition, ReadOnlySpan<int> tokens, List<int> destination)
    {
        destination.Clear();
        foreach (int c in condition) destination.Add(ConditionToken(c));
        if (StartsWithSeparator || condition.Length > 0) destination.Add(Separator);
        foreach (int t in tokens) destination.Add(t);
        if (EndsWithSeparator) destination.Add(Separator);
        // Without the leading SEP, position 1 is t₂ (t₁ has nothing before it to be predicted from); an empty row framed
        // at neither end has no position at all, and so no target.
        return Math.Min(condition.Length + 1, destination.Count);
    }
}
