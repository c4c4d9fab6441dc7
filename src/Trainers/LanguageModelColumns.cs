namespace ArML.Trainers;

/// <summary>The columns a language model reads and the optional columns it writes.</summary>
/// <param name="TokenColumnName">Token column (vector of keys).</param>
/// <param name="ConditionColumnName">Condition column (key or vector of keys), or null.</param>
/// <param name="TokenLogProbabilities">Whether the per-token log-probability column is added.</param>
public sealed record LanguageModelColumns(string TokenColumnName, string? ConditionColumnName = null, bool TokenLogProbabilities = false);
