namespace ArML.Trainers.Generation;

/// <summary>One generated continuation of a prompt.</summary>
/// <param name="PromptIndex">Which prompt of the call it continues (0 for a single prompt).</param>
/// <param name="SequenceIndex">Which of the prompt's <see cref="GenerationOptions.NumberOfSequences"/> it is (beams: best first).</param>
/// <param name="TokenIds">
/// The generated token ids in the model's ids (see <see cref="GenerationRequest.PromptIds"/>), without the end of the row. When a stop sequence ended it, the ids
/// up to the one that completed the stop sequence (a token may hold text on both sides of it).
/// </param>
/// <param name="Text">The decoded continuation, cut before a stop sequence; null when generating without a codec.</param>
/// <param name="FinishReason">Why it ended.</param>
public sealed record GeneratedSequence(int PromptIndex, int SequenceIndex, IReadOnlyList<int> TokenIds, string? Text,
    GenerationFinishReason FinishReason);
