namespace ArML.Trainers;

/// <summary>
/// The id layout of an ArML language model: the token column's ids 0..K−1, then the separator K (start and end of every row),
/// then — for conditional models — the condition column's ids shifted to K+1..K+C, so conditions never collide with tokens.
/// </summary>
/// <param name="TokenKeyCount">K: key count of the token column.</param>
/// <param name="ConditionKeyCount">C: key count of the condition column, 0 without one.</param>
public sealed record TokenIdLayout(int TokenKeyCount, int ConditionKeyCount)
{
    /// <summary>The separator id.</summary>
    public int Separator => TokenKeyCount;

    /// <summary>Ids the model embeds and predicts.</summary>
    public int Size => TokenKeyCount + 1 + ConditionKeyCount;

    /// <summary>The model id of condition id <paramref name="conditionId"/>.</summary>
    public int ConditionToken(int conditionId) => TokenKeyCount + 1 + conditionId;

    /// <summary>
    /// Writes the framed sequence <c>c₁ … cₘ SEP t₁ … tₙ SEP</c> into <paramref name="destination"/> and returns the
    /// position of its first scored target (m + 1: every token after the condition's SEP, and the final SEP).
    /// </summary>
    public int Frame(ReadOnlySpan<int> condition, ReadOnlySpan<int> tokens, List<int> destination)
    {
        destination.Clear();
        foreach (int c in condition) destination.Add(ConditionToken(c));
        destination.Add(Separator);
        foreach (int t in tokens) destination.Add(t);
        destination.Add(Separator);
        return condition.Length + 1;
    }
}
