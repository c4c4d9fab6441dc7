using ArML.Training;
using ArML.Data;

namespace ArML.Trainers.Gpt;

/// <summary>How positions are encoded.</summary>
public enum PositionEncoding
{
    /// <summary>A learned embedding per position, added to the token embedding (GPT-2).</summary>
    Learned,
    /// <summary>Rotary embeddings: queries and keys rotated by position inside attention (no position parameters).</summary>
    Rotary,
}

/// <summary>Arithmetic of the training step's activations and matrix products.</summary>
public enum TrainingPrecision
{
    /// <summary>bfloat16 where the hardware multiplies it natively (CPUs with AVX512-BF16 or AMX, CUDA devices), else float32.</summary>
    Auto,
    /// <summary>float32 throughout.</summary>
    Float32,
    /// <summary>Mixed precision: bfloat16 products and residual stream; float32 master weights, norm statistics, attention and loss.</summary>
    BFloat16,
}

public sealed partial class GptTrainer
{
    /// <summary>Options of <see cref="GptTrainer"/>; the shared ones (batching, stopping, optimizer, validation,
    /// checkpoints, seed, progress) come from <see cref="TrainerOptionsBase"/>.</summary>
    public sealed class Options : TrainerOptionsBase
    {
        /// <summary>Token column: a vector of keys (token ids). Default "Tokens".</summary>
        public string TokenColumnName { get; set; } = DefaultColumnNames.Tokens;

        /// <summary>
        /// Optional condition column for P(tokens | condition): a vector of keys (e.g. a tokenized prompt) or a single
        /// key (e.g. a class). It is put before the row as context and never scored. Null (default) for none.
        /// </summary>
        public string? ConditionColumnName { get; set; }

        /// <summary>Positions the model attends over; rows longer than this are scored with a sliding window. Default 64.</summary>
        public int ContextLength { get; set; } = 64;

        /// <summary>Transformer blocks. Default 4.</summary>
        public int LayerCount { get; set; } = 4;

        /// <summary>Attention heads per block; must divide <see cref="EmbeddingSize"/>. Default 4.</summary>
        public int HeadCount { get; set; } = 4;

        /// <summary>Width of the residual stream. Default 128.</summary>
        public int EmbeddingSize { get; set; } = 128;

        /// <summary>Dropout probability during training. Default 0.</summary>
        public double Dropout { get; set; }

        /// <summary>Biases in linear layers and layer norms. Default true.</summary>
        public bool Bias { get; set; } = true;

        /// <summary>Learned absolute positions (default) or rotary embeddings.</summary>
        public PositionEncoding PositionEncoding { get; set; } = PositionEncoding.Learned;

        /// <summary>Random windows over concatenated rows (default) or one row per example.</summary>
        public BatchLayout BatchLayout { get; set; } = BatchLayout.RandomWindows;

        /// <summary>
        /// Arithmetic of training (scoring and sampling always compute in float32). Default <see cref="TrainingPrecision.Auto"/>.
        /// </summary>
        public TrainingPrecision Precision { get; set; } = TrainingPrecision.Auto;

        /// <summary>Rows scored together by the trained model's transformer. Default 32.</summary>
        public int ScoringBatchSize { get; set; } = 32;

        /// <summary>
        /// Sliding-window step when scoring rows longer than the context; each token is scored once, with at least
        /// ContextLength − Stride tokens of left context. Default: half the context length.
        /// </summary>
        public int? ScoringStride { get; set; }

        /// <summary>Add a "TokenLogProbabilities" column: the log-probability of each predicted token. Default false.</summary>
        public bool TokenLogProbabilities { get; set; }

        /// <summary>
        /// Add the anomaly columns (Score, PredictedLabel and, if asked, the token diagnostics), with the threshold placed
        /// on the validation set's scores (else the training rows'). Null (default) adds none; a trained model gets them
        /// with <see cref="LanguageModelTransformer.WithAnomalyScoring(Microsoft.ML.IDataView, LanguageModelAnomalyOptions?)"/>.
        /// </summary>
        public LanguageModelAnomalyOptions? AnomalyScoring { get; set; }

        /// <summary>
        /// Low-rank adapters to train instead of the whole network (LoRA): the base weights — the initial model's on a
        /// warm start, else the seeded initialisation — are frozen (no gradients, no optimizer state) and only the
        /// adapters train. The fitted model scores and generates with them applied. Null (default) trains every weight.
        /// </summary>
        public LoraOptions? Adapter { get; set; }

        /// <inheritdoc/>
        public override void Validate()
        {
            base.Validate();
            ArgumentException.ThrowIfNullOrEmpty(TokenColumnName, nameof(TokenColumnName));
            if (ContextLength < 1) throw new ArgumentOutOfRangeException(nameof(ContextLength), "ContextLength must be at least 1.");
            if (LayerCount < 1) throw new ArgumentOutOfRangeException(nameof(LayerCount), "LayerCount must be at least 1.");
            if (HeadCount < 1) throw new ArgumentOutOfRangeException(nameof(HeadCount), "HeadCount must be at least 1.");
            if (EmbeddingSize < 1) throw new ArgumentOutOfRangeException(nameof(EmbeddingSize), "EmbeddingSize must be at least 1.");
            if (EmbeddingSize % HeadCount != 0)
                throw new ArgumentException($"EmbeddingSize ({EmbeddingSize}) must be a multiple of HeadCount ({HeadCount}).", nameof(EmbeddingSize));
            if (PositionEncoding == PositionEncoding.Rotary && EmbeddingSize / HeadCount % 2 != 0)
                throw new ArgumentException("Rotary embeddings need an even head size (EmbeddingSize / HeadCount).", nameof(PositionEncoding));
            if (Dropout < 0 || Dropout >= 1) throw new ArgumentOutOfRangeException(nameof(Dropout), "Dropout must be in [0, 1).");
            if (ScoringBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(ScoringBatchSize), "ScoringBatchSize must be at least 1.");
            if (ScoringStride is int s && (s < 1 || s > ContextLength))
                throw new ArgumentOutOfRangeException(nameof(ScoringStride), $"ScoringStride must be in 1..ContextLength ({ContextLength}).");
            if (ConditionColumnName != null && BatchLayout != BatchLayout.RowAligned)
                throw new ArgumentException("A condition column needs BatchLayout.RowAligned (each example must keep its own condition).", nameof(ConditionColumnName));
            AnomalyScoring?.Validate();
            Adapter?.Validate();
        }
    }
}
