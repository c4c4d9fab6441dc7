using static TorchSharp.torch;

namespace ArML.Trainers.Gpt;

public sealed partial class GptModel
{
    /// <summary>
    /// The parameters that the linear layers and an untied output head multiply with (their weights and biases), in
    /// <c>named_parameters()</c> order: what bfloat16 training casts from the float32 master weights.
    /// </summary>
    internal Tensor[] ProductParameters() => named_parameters()
        .Where(p => IsProductParameter(p.name))
        .Select(p => (Tensor)p.parameter)
        .ToArray();

    /// <summary>
    /// Casts made beforehand, by the master parameter they were cast from (all of <see cref="ProductParameters"/>),
    /// for the linear layers to multiply with instead of casting their own; null (default): each call casts. Set by
    /// <see cref="GptDataParallel"/>, whose two halves would otherwise each cast every weight.
    /// </summary>
    internal IReadOnlyDictionary<Tensor, Tensor>? ProductCasts
    {
        get => _precision.Casts;
        set => _precision.Casts = value;
    }

    /// <summary>Whether the parameter <paramref name="name"/> is one of <see cref="ProductParameters"/>: reached by nothing else.</summary>
    /// <remarks>A tied output head is not: it is the token embedding, and casts itself (see Head).</remarks>
    internal static bool IsProductParameter(string name) =>
        name.Contains(".c_attn.", StringComparison.Ordinal) || name.Contains(".c_proj.", StringComparison.Ordinal)
        || name.Contains(".c_fc.", StringComparison.Ordinal) || name.StartsWith("lm_head.", StringComparison.Ordinal);
}
