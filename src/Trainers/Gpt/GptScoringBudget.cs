namespace ArML.Trainers.Gpt;

/// <summary>
/// How many scoring windows one forward pass may take so that the memory it holds stays within a budget, whatever
/// the length of the rows: <see cref="GptLanguageModel"/> packs windows into a pass while
/// windows × length × <see cref="BytesPerPosition"/>(length) fits <see cref="Bytes"/>, and always takes at least one.
/// </summary>
/// <remarks>
/// <para>
/// The bound counts, per input position, the float32 activations alive at the worst moment of a forward pass in
/// evaluation mode, where <see cref="GptModel"/> releases each block branch's intermediates as soon as its output
/// joins the residual stream (C: width, T: window length, nh: heads, V: vocabulary):
/// </para>
/// <list type="bullet">
/// <item>attention branch: the block's input, its layer norm, the fused q/k/v projection (3C), copies of q, k and v
/// a kernel may make (3C), the heads' output and its re-assembly, the output projection and the residual sum: 12C;
/// the attention scores and their softmax, 2·T per head (libtorch's reference kernel materializes them; its fused
/// CPU kernel needs only fixed per-thread tiles and a log-sum-exp per head, counted as one more per head); rotary
/// embeddings add the rotated queries and keys and their temporaries, at most 7C;</item>
/// <item>MLP branch: the block's input, the attention branch's output, its layer norm, the expansion to the MLP width
/// I (4C by default) and its activation, the projection and the residual sum: 5C + 2I (13C at the default width);</item>
/// <item>output: the final layer norm's input and output, the logits and their log-softmax (2V), the gathered
/// log-probability in float32 and float64 (3).</item>
/// </list>
/// <para>
/// The branches and the output never coexist, so the sum 4·(max(13C, 5C + 2I) + 7C·[rotary] + nh·(2T + 1) + 2C + 2V + 3) bytes
/// bounds them all; 48 more bytes per position hold the ids, targets and results on both sides of the native
/// boundary. Memory that does not grow with the batch (weights, libtorch's per-thread buffers) is not counted.
/// </para>
/// </remarks>
internal sealed class GptScoringBudget
{
    private const int HostBytesPerPosition = 48;   // int64 ids and targets (managed and native), float64 results (both)
    private readonly GptConfig _config;

    public GptScoringBudget(GptConfig config, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1, nameof(bytes));
        _config = config;
        Bytes = bytes;
    }

    /// <summary>The most bytes of activations a forward pass may hold (one window may exceed it on its own).</summary>
    public long Bytes { get; }

    /// <summary>Upper bound on the bytes a forward pass holds per input position for windows of <paramref name="length"/>.</summary>
    public static long BytesPerPosition(GptConfig config, int length)
    {
        long c = config.EmbeddingSize, heads = config.HeadCount, v = config.VocabularySize;
        long rotary = config.PositionEncoding == PositionEncoding.Rotary ? 7 * c : 0;
        long floats = Math.Max(13 * c, 5 * c + 2L * config.MlpWidth) + rotary + heads * (2L * length + 1) + 2 * c + 2 * v + 3;
        return 4 * floats + HostBytesPerPosition;
    }

    /// <summary>Whether a pass of <paramref name="windows"/> windows padded to <paramref name="length"/> fits the budget (a single window always does).</summary>
    public bool Fits(int windows, int length) =>
        windows <= 1 || (double)windows * length * BytesPerPosition(_config, length) <= Bytes;
}
