namespace ArML.Onnx;

/// <summary>
/// The input and output names of the scoring graph that <see cref="OnnxExport.ExportOnnx(Trainers.LanguageModelTransformer, string, OnnxExportOptions?)"/> writes, and the contract
/// a caller (ONNX Runtime, ML.NET's ApplyOnnxModel, Spark) follows to get ArML's numbers.
/// </summary>
/// <remarks>
/// <para>
/// Each row of <c>input_ids</c> is a framed row of MODEL ids: <c>SEP t₁ … tₙ SEP</c>, where SEP is the model's
/// separator (<see cref="Trainers.TokenIdLayout.Separator"/>, the token count K) and tᵢ are the row's tokens mapped
/// through the transformer's <see cref="Data.TokenKeyMap"/> (key − 1 for a model without a compact vocabulary). A
/// framed row holds at most ContextLength + 1 ids (n ≤ ContextLength − 1 tokens): longer rows need ArML's sliding
/// window, which the graph does not do (an LSTM or GRU graph reads rows of any length). Rows of a batch are padded
/// to one length with any valid id and <c>attention_mask</c> 0 at the padding (1 elsewhere); padding may be on either
/// side for a GPT graph, and must be on the right for an LSTM or GRU graph (a recurrence reads left padding as input).
/// </para>
/// <para>
/// Outputs: <c>logits</c> (float, [batch, sequence − 1, vocabulary]: position j's next-id logits),
/// <c>token_log_probabilities</c> (float, [batch, sequence − 1]: log p(id j+1 | ids ≤ j), 0 at padding),
/// <c>log_likelihood</c> (double, [batch]: their sum, the LogLikelihood column), <c>token_count</c> (int64, [batch]:
/// n + 1 for a row of n tokens) and <c>perplexity</c> (double, [batch]: exp(−log_likelihood / token_count)).
/// </para>
/// </remarks>
public static class OnnxScoringContract
{
    /// <summary>Input: int64 [batch, sequence], framed model ids.</summary>
    public const string InputIds = "input_ids";

    /// <summary>Input: int64 [batch, sequence], 1 for a real id, 0 for padding.</summary>
    public const string AttentionMask = "attention_mask";

    /// <summary>Output: float [batch, sequence − 1, vocabulary], next-id logits.</summary>
    public const string Logits = "logits";

    /// <summary>Output: float [batch, sequence − 1], log-probability of each next id (0 at padding).</summary>
    public const string TokenLogProbabilities = "token_log_probabilities";

    /// <summary>Output: double [batch], the row's log-likelihood (natural log).</summary>
    public const string LogLikelihood = "log_likelihood";

    /// <summary>Output: int64 [batch], the row's predicted ids (tokens + 1).</summary>
    public const string TokenCount = "token_count";

    /// <summary>Output: double [batch], exp(−log_likelihood / token_count).</summary>
    public const string Perplexity = "perplexity";

    internal const string Summary =
        "input_ids int64 [batch, sequence] = SEP t1..tn SEP in model ids (SEP = token count), padded anywhere with attention_mask 0; " +
        "outputs logits, token_log_probabilities [batch, sequence-1], log_likelihood double [batch], token_count int64 [batch], perplexity double [batch].";
}
