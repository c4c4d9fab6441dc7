namespace ArML.Trainers.Gpt;

/// <summary>Options of <c>mlContext.LanguageModeling().LoadHuggingFace</c>. Null values mean the default.</summary>
public sealed class HuggingFaceOptions
{
    /// <summary>Text column the chain reads. Default "Text".</summary>
    public string InputColumnName { get; set; } = "Text";

    /// <summary>Token column the tokenizer writes and the model reads. Default "Tokens".</summary>
    public string TokenColumnName { get; set; } = "Tokens";

    /// <summary>
    /// Positions the model attends over, at most the checkpoint's n_positions (default: n_positions). A shorter
    /// context keeps the first rows of the position table and makes long rows cheaper to score.
    /// </summary>
    public int? MaximumContextLength { get; set; }

    /// <summary>
    /// Arithmetic of scoring, generation and fine-tuning's forward passes: <see cref="TrainingPrecision.Float32"/>
    /// (default; the weights are always held in float32), or bfloat16 products (<see cref="TrainingPrecision.BFloat16"/>,
    /// or <see cref="TrainingPrecision.Auto"/> for bfloat16 only where the hardware multiplies it natively).
    /// The device is the MLContext's (<c>GpuDeviceId</c>).
    /// </summary>
    public TrainingPrecision Precision { get; set; } = TrainingPrecision.Float32;

    /// <summary>Sliding-window step for rows longer than the context (Hugging Face's stride); default half the context.</summary>
    public int? ScoringStride { get; set; }

    /// <summary>
    /// Whether each row is scored after an <c>&lt;|endoftext|&gt;</c> (eos_token_id), which then predicts the row's
    /// first token (default true, lm-evaluation-harness's rolling log-likelihood). False scores the row as Hugging
    /// Face's perplexity recipe does: its first token is context only. Saved with the model.
    /// </summary>
    public bool PrependEndOfText { get; set; } = true;

    /// <summary>
    /// Whether each row's score includes predicting an <c>&lt;|endoftext|&gt;</c> after its last token (default true).
    /// False scores only the row's own tokens. Saved with the model.
    /// </summary>
    /// <remarks>
    /// TokenCount, for a row of n tokens: n + 1 with both framings on (the default), n with one of them, and
    /// max(0, n − 1) with neither. Training (fine-tuning) always separates rows with end-of-text, as GPT-2 was trained.
    /// </remarks>
    public bool AppendEndOfText { get; set; } = true;

    /// <summary>Rows scored per forward pass. Default 8.</summary>
    public int ScoringBatchSize { get; set; } = 8;

    /// <summary>Add a "TokenLogProbabilities" column. Default false.</summary>
    public bool TokenLogProbabilities { get; set; }

    /// <summary>
    /// Load a tokenizer whose added tokens lie outside its BPE vocabulary by leaving them out (default false: refused,
    /// since text holding one would get other ids than in Python).
    /// </summary>
    public bool IgnoreAddedTokens { get; set; }
}
