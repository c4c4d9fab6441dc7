namespace ArML.Trainers.Gpt;

/// <summary>The weight matrices of every GPT block that low-rank adapters are attached to (flags; combine with |).</summary>
[Flags]
public enum LoraTargets
{
    /// <summary>No matrix (not a valid choice for training).</summary>
    None = 0,
    /// <summary>The fused query, key and value projection (attn.c_attn: C → 3C).</summary>
    AttentionInput = 1,
    /// <summary>The attention's output projection (attn.c_proj: C → C).</summary>
    AttentionOutput = 2,
    /// <summary>Both attention projections.</summary>
    Attention = AttentionInput | AttentionOutput,
    /// <summary>The MLP's expansion (mlp.c_fc: C → MLP width).</summary>
    MlpInput = 4,
    /// <summary>The MLP's projection back to the residual stream (mlp.c_proj: MLP width → C).</summary>
    MlpOutput = 8,
    /// <summary>Both MLP matrices.</summary>
    Mlp = MlpInput | MlpOutput,
    /// <summary>Every linear layer of every block.</summary>
    All = Attention | Mlp,
}
