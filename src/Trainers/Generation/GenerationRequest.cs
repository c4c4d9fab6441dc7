namespace ArML.Trainers.Generation;

/// <summary>One prompt of a token-level generation call.</summary>
/// <param name="PromptIds">Prompt token ids (zero-based, key − 1); empty: start from the beginning of a row.</param>
/// <param name="Condition">A conditional model's condition ids (zero-based), or null.</param>
/// <param name="Seed">Overrides <see cref="GenerationOptions.Seed"/> for this prompt.</param>
public sealed record GenerationRequest(IReadOnlyList<int> PromptIds, IReadOnlyList<int>? Condition = null, int? Seed = null);
