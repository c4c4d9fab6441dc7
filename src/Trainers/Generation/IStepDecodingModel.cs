namespace ArML.Trainers.Generation;

/// <summary>
/// A language model that can be decoded one step at a time: the family-neutral face that ArML's decoding strategies
/// (greedy, sampling, beam search) work against. Every ArML family implements it: GPT with a key-value cache, LSTM/GRU
/// and the linear baseline by carrying their recurrent state (<c>StatefulLanguageModel</c>), the n-gram model by
/// carrying its context state (<c>NGramTransformer.DecodingModel</c>); a new family plugs in by implementing it too.
/// </summary>
/// <remarks>
/// Ids follow ArML's layout: tokens are 0..<see cref="TokenCount"/>−1 (the model's token ids: for a model trained on a
/// compact vocabulary, the ids of its <see cref="Data.TokenKeyMap"/>, else key − 1 of the token column), and
/// <see cref="EndOfRowId"/> both starts and ends a row. A decoding step predicts a token or the end of the row.
/// </remarks>
public interface IStepDecodingModel
{
    /// <summary>Most ids one step conditions on (a GPT's context length; <see cref="int.MaxValue"/> when unbounded).</summary>
    int ContextLength { get; }

    /// <summary>Number of token ids: tokens are 0..TokenCount−1.</summary>
    int TokenCount { get; }

    /// <summary>The id that starts and ends a row (ArML's separator).</summary>
    int EndOfRowId { get; }

    /// <summary>Condition ids the model accepts (0..ConditionKeyCount−1); 0 for an unconditional model.</summary>
    int ConditionKeyCount { get; }

    /// <summary>
    /// The unknown token's id (a token id that keys never seen in training are read as), which decoding never
    /// chooses; −1 when the model has none.
    /// </summary>
    int UnknownTokenId => -1;

    /// <summary>Width of each row of logits a decoder returns (every id the model can predict, including ones never sampled).</summary>
    int LogitCount { get; }

    /// <summary>
    /// The ids a row starts from before it continues after <paramref name="prompt"/>: the start of a row, with the
    /// condition first for a conditional model.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A token or condition id is out of range.</exception>
    /// <exception cref="ArgumentException">A condition is given to an unconditional model.</exception>
    IReadOnlyList<int> BeginRow(IReadOnlyList<int> prompt, IReadOnlyList<int>? condition);

    /// <summary>Starts decoding a batch of rows.</summary>
    /// <param name="mode">Incremental (cached) decoding, or full recomputation at every step (the reference).</param>
    IStepDecoder CreateDecoder(StepDecoderMode mode = StepDecoderMode.Cached);
}
