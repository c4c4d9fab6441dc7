using ArML.Torch;
using ArML.Trainers.Gpt;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ArML.Trainers.Classification;

/// <summary>
/// GPT-1's fine-tuning network: a <see cref="GptModel"/> and a linear head W_y on the final hidden state of each row's
/// last position (h_l^m W_y), the GPT's own output head still giving the next-token logits of the auxiliary LM loss.
/// </summary>
internal sealed class GptClassifierNetwork : nn.Module
{
    private readonly GptModel gpt;
    private readonly Linear head;

    public GptClassifierNetwork(GptModel model, int classCount, long seed) : base("gpt_classifier")
    {
        gpt = model;
        head = nn.Linear(model.Config.EmbeddingSize, classCount);
        RegisterComponents();
        using var _ = no_grad();
        using var generator = new Generator((ulong)seed ^ 0xC1A55);
        using var values = randn(head.weight!.shape, dtype: head.weight.dtype, generator: generator);
        head.weight.copy_(KeptScalar.MulInPlace(values, 0.02));   // GPT-2's initial scale, as the rest of the network
        head.bias!.zero_();
    }

    /// <summary>The language model inside.</summary>
    public GptModel Gpt => gpt;

    /// <summary>The classification head.</summary>
    public Linear Head => head;

    /// <summary>Classes.</summary>
    public int ClassCount => (int)head.weight!.shape[0];

    /// <summary>
    /// Class logits (B, K) read at <paramref name="last"/> (B) int64, each row's last position, and the final hidden
    /// states (B, T, C) of <paramref name="idx"/> (B, T) for the LM head. Right padding beyond a row's last position
    /// cannot reach it (causal attention).
    /// </summary>
    public (Tensor ClassLogits, Tensor Hidden) Forward(Tensor idx, Tensor last)
    {
        var hidden = gpt.HiddenStates(idx);                                            // (B, T, C)
        long c = hidden.shape[2];
        var picked = hidden.gather(1, last.view(-1, 1, 1).expand(-1, 1, c)).squeeze(1);   // (B, C)
        // The head computes in its weights' type: a bfloat16 training step's hidden states are cast back to float32.
        return (head.call(picked.to_type(head.weight!.dtype)), hidden);
    }
}
