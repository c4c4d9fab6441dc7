using ArML.Training;

namespace ArML.Trainers.Classification;

/// <summary>
/// Options of the GPT classifiers (<c>mlContext.MulticlassClassification.Trainers.GptClassifier</c> and
/// <c>mlContext.BinaryClassification.Trainers.GptClassifier</c>); the shared ones (batching, stopping, optimizer,
/// validation, checkpoints, seed, progress) come from <see cref="TrainerOptionsBase"/>. A training example is a row
/// (not a token): <see cref="TrainerOptionsBase.BatchSize"/> rows per step, <see cref="TrainerOptionsBase.MaxEpochs"/>
/// in passes over the rows.
/// </summary>
public sealed class GptClassifierOptions : TrainerOptionsBase
{
    /// <summary>Label column: a key (multiclass) or a Boolean (binary). Default "Label".</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>Token column: a vector of keys, from any ArML tokenizer. Default "Tokens".</summary>
    public string TokenColumnName { get; set; } = "Tokens";

    /// <summary>
    /// λ of the loss task cross-entropy + λ · LM loss, the LM loss being the mean next-token cross-entropy over the
    /// same rows (GPT-1's auxiliary objective). Default 0.5, as in GPT-1; 0 trains the task loss alone.
    /// </summary>
    public double AuxiliaryLanguageModelWeight { get; set; } = 0.5;

    /// <summary>
    /// A trained GPT <see cref="LanguageModelTransformer"/> (unconditional, trained on the same token column) to start
    /// from: its shape, vocabulary and weights; the head starts fresh. Null (default): a new network of the shape below.
    /// </summary>
    public LanguageModelTransformer? InitialModel { get; set; }

    /// <summary>
    /// Positions the network attends over (from scratch). A row is read as SEP, its first ContextLength − 2 tokens and
    /// SEP; the head reads the final SEP's hidden state (GPT-1's extract token). Default 64.
    /// </summary>
    public int ContextLength { get; set; } = 64;

    /// <summary>Transformer blocks (from scratch). Default 2.</summary>
    public int LayerCount { get; set; } = 2;

    /// <summary>Attention heads per block (from scratch); must divide <see cref="EmbeddingSize"/>. Default 4.</summary>
    public int HeadCount { get; set; } = 4;

    /// <summary>Width of the residual stream (from scratch). Default 128.</summary>
    public int EmbeddingSize { get; set; } = 128;

    /// <summary>Dropout probability during training (also applied to a warm-started network). Default 0.</summary>
    public double Dropout { get; set; }

    /// <summary>
    /// Weight each row's task cross-entropy by n / (K · n_k), n training rows, K classes present among them and n_k rows
    /// of the row's class, so that every class weighs as much as any other in the loss (and in the validation loss):
    /// what macro-accuracy rewards on an unbalanced label set, at the price of less calibrated probabilities (a worse
    /// log-loss) and a lower micro-accuracy. Default false: the plain mean cross-entropy.
    /// </summary>
    public bool BalanceClasses { get; set; }

    /// <summary>
    /// Arithmetic of training (scoring always computes in float32), as <see cref="ArML.Trainers.Gpt.GptTrainer.Options.Precision"/>:
    /// <see cref="ArML.Trainers.Gpt.TrainingPrecision.Auto"/> (default) trains in bfloat16 where the hardware multiplies it natively.
    /// </summary>
    public ArML.Trainers.Gpt.TrainingPrecision Precision { get; set; } = ArML.Trainers.Gpt.TrainingPrecision.Auto;

    /// <summary>Rows classified per forward pass by the trained model. Default 32.</summary>
    public int ScoringBatchSize { get; set; } = 32;

    /// <summary>
    /// Low-rank adapters (LoRA) to train instead of the GPT's own weights, which stay frozen; the head always trains.
    /// The classifier scores with the adapters applied and <c>SaveArml</c> saves them folded into the weights (W +
    /// (α / r)·B·A, so a loaded classifier agrees within float32 rounding). Null (default) trains every weight.
    /// </summary>
    public ArML.Trainers.Gpt.LoraOptions? Adapter { get; set; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        ArgumentException.ThrowIfNullOrEmpty(LabelColumnName, nameof(LabelColumnName));
        ArgumentException.ThrowIfNullOrEmpty(TokenColumnName, nameof(TokenColumnName));
        if (!(AuxiliaryLanguageModelWeight >= 0) || double.IsInfinity(AuxiliaryLanguageModelWeight))
            throw new ArgumentOutOfRangeException(nameof(AuxiliaryLanguageModelWeight), "AuxiliaryLanguageModelWeight must be finite and at least 0.");
        if (ContextLength < 3) throw new ArgumentOutOfRangeException(nameof(ContextLength), "ContextLength must be at least 3 (SEP, a token, SEP).");
        if (LayerCount < 1) throw new ArgumentOutOfRangeException(nameof(LayerCount), "LayerCount must be at least 1.");
        if (HeadCount < 1) throw new ArgumentOutOfRangeException(nameof(HeadCount), "HeadCount must be at least 1.");
        if (EmbeddingSize < 1 || EmbeddingSize % HeadCount != 0)
            throw new ArgumentException($"EmbeddingSize ({EmbeddingSize}) must be a positive multiple of HeadCount ({HeadCount}).", nameof(EmbeddingSize));
        if (Dropout < 0 || Dropout >= 1) throw new ArgumentOutOfRangeException(nameof(Dropout), "Dropout must be in [0, 1).");
        if (ScoringBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(ScoringBatchSize), "ScoringBatchSize must be at least 1.");
        Adapter?.Validate();
    }
}
