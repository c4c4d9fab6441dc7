namespace ArML.Trainers.Generation;

/// <summary>One prompt of a token-level generation call.</summary>
/// <param name="PromptIds">Prompt token ids: the model's ids, which are key − 1 only for a model without a compact vocabulary (see
/// <see cref="LanguageModelTransformer.ModelIdCodec"/>); empty: start from the beginning of a row.</param>
/// <param name="Condition">A conditional model's condition ids (zero-based), or null.</param>
/// <param name="Seed">Overrides <see cref="GenerationOptions.Seed"/> for this prompt.</param>
public sealed record GenerationRequest(IReadOnlyList<int> PromptIds, IReadOnlyList<int>? Condition = null, int? Seed = null);
