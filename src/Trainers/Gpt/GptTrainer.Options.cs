using Microsoft.ML;
using ArML.Training;

namespace ArML.Trainers.Gpt;

public sealed partial class GptTrainer
{
    /// <summary>Options of <see cref="GptTrainer"/>; defaults train a small model quickly on a CPU.</summary>
    public sealed class Options
    {
        /// <summary>Token column: a vector of keys (token ids). Default "Tokens".</summary>
        public string TokenColumnName { get; set; } = "Tokens";

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

        /// <summary>Windows of <see cref="ContextLength"/> tokens per optimizer step. Default 12.</summary>
        public int BatchSize { get; set; } = 12;

        /// <summary>Optimizer steps. Default 2000.</summary>
        public int MaxIterations { get; set; } = 2000;

        /// <summary>Peak learning rate of AdamW. Default 1e-3.</summary>
        public double LearningRate { get; set; } = 1e-3;

        /// <summary>Learning rate at the end of the cosine decay. Default: a tenth of <see cref="LearningRate"/>.</summary>
        public double? MinLearningRate { get; set; }

        /// <summary>Steps of linear warm-up from zero to <see cref="LearningRate"/>. Default 100.</summary>
        public int WarmupIterations { get; set; } = 100;

        /// <summary>AdamW's β₂. Default 0.99 (small batches are noisy).</summary>
        public double Beta2 { get; set; } = 0.99;

        /// <summary>Decoupled weight decay, applied to matrices only (not to biases, norms or embeddings). Default 0.1.</summary>
        public double WeightDecay { get; set; } = 0.1;

        /// <summary>Clip the global gradient norm to this; 0 disables. Default 1.</summary>
        public double GradientClipNorm { get; set; } = 1.0;

        /// <summary>Rows scored together by the trained model's transformer. Default 32.</summary>
        public int ScoringBatchSize { get; set; } = 32;

        /// <summary>
        /// Sliding-window step when scoring rows longer than the context; each token is scored once, with at least
        /// ContextLength − Stride tokens of left context. Default: half the context length.
        /// </summary>
        public int? ScoringStride { get; set; }

        /// <summary>Optional validation data (same token column); its loss is reported at each <see cref="EvaluationInterval"/>.</summary>
        public IDataView? ValidationSet { get; set; }

        /// <summary>Steps between progress reports (and validation, when a set is given). Default 100.</summary>
        public int EvaluationInterval { get; set; } = 100;

        /// <summary>Random validation windows averaged per evaluation. Default 20 batches' worth.</summary>
        public int EvaluationBatches { get; set; } = 20;

        /// <summary>Seed of initialisation and batch sampling. Default: drawn from the MLContext's seed.</summary>
        public int? Seed { get; set; }

        /// <summary>Receives a <see cref="TrainingProgress"/> at each report.</summary>
        public IProgress<TrainingProgress>? Progress { get; set; }
    }
}
