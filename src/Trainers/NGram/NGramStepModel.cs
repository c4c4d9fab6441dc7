using ArML.Trainers.Generation;

namespace ArML.Trainers.NGram;

/// <summary>
/// An n-gram model's side of <see cref="IStepDecodingModel"/>, in the model ids of its transformer's
/// <see cref="Data.TokenKeyMap"/> (the keys that are model words, then the unknown token); the end of the row is
/// &lt;/s&gt;, and as a context it is &lt;s&gt;: a row starts, and starts again after its end, at the start of a sentence.
/// </summary>
/// <remarks>
/// A row's state is the model's own: the trie nodes of its last Order − 1 words (KenLM's state), moved one word per
/// step, so a step costs the same whatever the row's length and the prompt is never read again. The context is
/// unbounded in the sense of <see cref="ContextLength"/>: a prompt is never cut, the state keeps what the model can use.
/// Logits are natural-log probabilities, exactly as scoring computes them (in float32), except −∞ for every id read as
/// &lt;unk&gt;, which is never decoded; the candidates are renormalized by the decoding strategy. Immutable and thread-safe; each decoder has its own state.
/// </remarks>
internal sealed class NGramStepModel : IStepDecodingModel
{
    private readonly int[] _wordOf;   // the model word of each token id

    /// <param name="model">The n-gram model.</param>
    /// <param name="wordOfTokenId">The model word of each token id (the unknown token's is &lt;unk&gt;).</param>
    /// <param name="unknownTokenId">The unknown token's id, never decoded.</param>
    public NGramStepModel(NGramLanguageModel model, int[] wordOfTokenId, int unknownTokenId)
    {
        Model = model;
        _wordOf = wordOfTokenId;
        Layout = new TokenIdLayout(wordOfTokenId.Length, 0, HasUnknown: true);
        if (Layout.UnknownToken != unknownTokenId)
            throw new ArgumentException($"The unknown token is id {unknownTokenId}, but the last token id is {Layout.UnknownToken}.", nameof(unknownTokenId));
    }

    public NGramLanguageModel Model { get; }

    /// <summary>Token ids, the end of the row after them.</summary>
    public TokenIdLayout Layout { get; }

    public int ContextLength => int.MaxValue;

    public int TokenCount => _wordOf.Length;

    public int EndOfRowId => Layout.Separator;

    public int ConditionKeyCount => 0;

    public int UnknownTokenId => Layout.UnknownToken;

    public int LogitCount => Layout.Size;

    /// <summary>The model word decoding id <paramref name="id"/> stands for: &lt;/s&gt; for the end of the row.</summary>
    public int WordOf(int id) => id == EndOfRowId ? NGramLanguageModel.SentenceEndId : _wordOf[id];

    public IReadOnlyList<int> BeginRow(IReadOnlyList<int> prompt, IReadOnlyList<int>? condition) => StepDecoding.BeginRow(Layout, prompt, condition);

    public IStepDecoder CreateDecoder(StepDecoderMode mode = StepDecoderMode.Cached) => mode switch
    {
        StepDecoderMode.Cached => new NGramStepDecoder(this, recompute: false),
        StepDecoderMode.Recompute => new NGramStepDecoder(this, recompute: true),
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };
}
