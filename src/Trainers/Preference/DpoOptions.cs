using ArML.Training;

namespace ArML.Trainers.Preference;

/// <summary>
/// Options of Direct Preference Optimization (<c>mlContext.LanguageModeling().Trainers.Dpo</c>); the shared ones
/// (batching, stopping, optimizer, validation, checkpoints, seed, progress) come from <see cref="TrainerOptionsBase"/>.
/// A training example is a row (a prompt with a chosen and a rejected response): <see cref="TrainerOptionsBase.BatchSize"/>
/// rows per step, <see cref="TrainerOptionsBase.MaxEpochs"/> in passes over the rows.
/// </summary>
/// <remarks>
/// Fine-tuning a pretrained model wants a small learning rate and little warm-up; the defaults here differ from the
/// shared ones accordingly: <see cref="TrainerOptionsBase.LearningRate"/> 1e-4, <see cref="TrainerOptionsBase.WarmupIterations"/> 10,
/// <see cref="TrainerOptionsBase.WeightDecay"/> 0, <see cref="TrainerOptionsBase.MaxIterations"/> 200.
/// </remarks>
public sealed class DpoOptions : TrainerOptionsBase
{
    /// <summary>Creates the options with the defaults of preference fine-tuning.</summary>
    public DpoOptions()
    {
        LearningRate = 1e-4;
        WarmupIterations = 10;
        WeightDecay = 0;
        MaxIterations = 200;
    }

    /// <summary>Prompt column x: a vector of keys from the same tokenizer as the model's; it may be empty. Default "Prompt".</summary>
    public string PromptColumnName { get; set; } = "Prompt";

    /// <summary>Preferred response y_w: a non-empty vector of keys. Default "Chosen".</summary>
    public string ChosenColumnName { get; set; } = "Chosen";

    /// <summary>Dispreferred response y_l: a non-empty vector of keys. Default "Rejected".</summary>
    public string RejectedColumnName { get; set; } = "Rejected";

    /// <summary>
    /// β of the loss −log σ(β[(log π(y_w|x) − log π_ref(y_w|x)) − (log π(y_l|x) − log π_ref(y_l|x))]): how strongly the
    /// tuned model is held near the reference (smaller lets it drift further). Default 0.1.
    /// </summary>
    public double Beta { get; set; } = 0.1;

    /// <summary>
    /// The GPT <see cref="LanguageModelTransformer"/> to tune (trained by ArML or loaded with <c>LoadHuggingFace</c>),
    /// unconditional, reading the same tokenizer's keys as the three columns. Required. It is not modified: training
    /// works on a copy.
    /// </summary>
    public LanguageModelTransformer? InitialModel { get; set; }

    /// <summary>
    /// The frozen reference π_ref: a GPT with the same vocabulary as <see cref="InitialModel"/> (its shape may differ).
    /// Null (default): the initial model itself, as the DPO paper does.
    /// </summary>
    public LanguageModelTransformer? ReferenceModel { get; set; }

    /// <summary>
    /// Dropout during training. Default 0: with dropout the tuned model and the reference differ at step 0, and the loss
    /// no longer starts at ln 2.
    /// </summary>
    public double Dropout { get; set; }

    /// <summary>
    /// Low-rank adapters (LoRA) to train instead of the model's own weights, which stay frozen (no gradients, no optimizer
    /// state). The default reference is then the frozen base itself (the adapters off), so the tuned model differs from its
    /// reference by the adapters alone. The result scores and generates with the adapters applied, <c>SaveArml</c> stores
    /// them apart from the base weights, <c>SaveArmlAdapters</c> saves them alone and <c>MergeAdapters</c> folds them in. An
    /// initial model's own adapters are folded into the base first. Null (default) trains every weight.
    /// </summary>
    public ArML.Trainers.Gpt.LoraOptions? Adapter { get; set; }

    /// <summary>Receives a <see cref="DpoProgress"/> (preference accuracy, reward margin, KL estimate) at each evaluation.</summary>
    public IProgress<DpoProgress>? PreferenceProgress { get; set; }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">A column name is empty, or <see cref="InitialModel"/> is not set.</exception>
    public override void Validate()
    {
        base.Validate();
        ArgumentException.ThrowIfNullOrEmpty(PromptColumnName, nameof(PromptColumnName));
        ArgumentException.ThrowIfNullOrEmpty(ChosenColumnName, nameof(ChosenColumnName));
        ArgumentException.ThrowIfNullOrEmpty(RejectedColumnName, nameof(RejectedColumnName));
        string[] names = [PromptColumnName, ChosenColumnName, RejectedColumnName];
        if (names.Distinct(StringComparer.Ordinal).Count() != 3)
            throw new ArgumentException($"The prompt, chosen and rejected columns must differ, but are '{PromptColumnName}', '{ChosenColumnName}' and '{RejectedColumnName}'.");
        if (!(Beta > 0) || double.IsInfinity(Beta)) throw new ArgumentOutOfRangeException(nameof(Beta), $"Beta must be positive and finite, but is {Beta}.");
        if (InitialModel is null)
            throw new ArgumentException("InitialModel must be set: DPO tunes an existing GPT language model.", nameof(InitialModel));
        if (Dropout < 0 || Dropout >= 1) throw new ArgumentOutOfRangeException(nameof(Dropout), "Dropout must be in [0, 1).");
        Adapter?.Validate();
    }
}
