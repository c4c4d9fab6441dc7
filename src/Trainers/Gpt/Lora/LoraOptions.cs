namespace ArML.Trainers.Gpt;

/// <summary>
/// Low-rank adaptation (LoRA) of a GPT: every targeted weight matrix W (out × in) is frozen and read as
/// W + (Alpha / Rank) · B·A, where A (Rank × in) and B (out × Rank) are the only weights that train. B starts at zero,
/// so training starts from exactly the base model; A starts uniform in ±1/√in. Set it as
/// <see cref="GptTrainer.Options.Adapter"/>.
/// </summary>
/// <remarks>
/// Each targeted matrix adds Rank · (in + out) trainable parameters. The base weights get no gradients and no optimizer
/// moments, which is what saves memory and time: only activations and the adapters' own state are kept for training.
/// A model trained with adapters scores and generates with them applied; <c>MergeAdapters()</c> folds them into the
/// weights, <c>SaveArmlAdapters</c> writes them alone.
/// </remarks>
public sealed class LoraOptions
{
    /// <summary>Rank r of each adapter (1 or more). Default 8.</summary>
    public int Rank { get; set; } = 8;

    /// <summary>Scale numerator α: the adapters' product is multiplied by α / r. Default 16.</summary>
    public double Alpha { get; set; } = 16;

    /// <summary>Dropout on the adapters' input during training, in [0, 1). Default 0.</summary>
    public double Dropout { get; set; }

    /// <summary>The matrices adapted in every block. Default <see cref="LoraTargets.Attention"/> | <see cref="LoraTargets.Mlp"/>.</summary>
    public LoraTargets Targets { get; set; } = LoraTargets.Attention | LoraTargets.Mlp;

    /// <summary>Throws when an option is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Rank below 1, Alpha not positive and finite, Dropout outside [0, 1), or no or unknown targets.</exception>
    public void Validate() => ToConfig();

    internal LoraConfig ToConfig()
    {
        var config = new LoraConfig(Rank, Alpha, Dropout, Targets);
        config.Check(message => new ArgumentOutOfRangeException(nameof(LoraOptions), message));
        return config;
    }
}

/// <summary>The adapter settings a model keeps and saves (config.json's "Adapter", an adapters file's metadata).</summary>
/// <param name="Rank">r.</param>
/// <param name="Alpha">α; the product B·A is scaled by α / r.</param>
/// <param name="Dropout">Dropout on the adapters' input during training.</param>
/// <param name="Targets">Adapted matrices of every block.</param>
internal sealed record LoraConfig(int Rank, double Alpha, double Dropout, LoraTargets Targets)
{
    /// <summary>α / r.</summary>
    public double Scaling => Alpha / Rank;

    /// <summary>Throws <paramref name="error"/>(message) when a setting is out of range.</summary>
    public void Check(Func<string, Exception> error)
    {
        if (Rank < 1) throw error($"LoRA rank {Rank} must be at least 1.");
        if (!(Alpha > 0 && double.IsFinite(Alpha))) throw error($"LoRA alpha {Alpha} must be positive and finite.");
        if (Dropout is < 0 or >= 1 || double.IsNaN(Dropout)) throw error($"LoRA dropout {Dropout} must be in [0, 1).");
        if (Targets == LoraTargets.None || (Targets & ~LoraTargets.All) != 0) throw error($"LoRA targets {Targets} must name one or more of the block's matrices.");
    }

    /// <summary>The adapted matrices of one block: the name of the linear layer under "h.N.", its input and output widths.</summary>
    public IEnumerable<(string Layer, long In, long Out)> Layers(GptConfig model)
    {
        long c = model.EmbeddingSize, w = model.MlpWidth;
        if (Targets.HasFlag(LoraTargets.AttentionInput)) yield return ("attn.c_attn", c, 3 * c);
        if (Targets.HasFlag(LoraTargets.AttentionOutput)) yield return ("attn.c_proj", c, c);
        if (Targets.HasFlag(LoraTargets.MlpInput)) yield return ("mlp.c_fc", c, w);
        if (Targets.HasFlag(LoraTargets.MlpOutput)) yield return ("mlp.c_proj", w, c);
    }
}
