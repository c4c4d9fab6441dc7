using ArML.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ArML.Trainers.Gpt;

/// <summary>
/// One low-rank adapter of a linear layer W (out × in): A (r × in) and B (out × r), read as the layer's output plus
/// (α / r) · B·A·x. Registered on the layer's parent module as "&lt;layer&gt;_lora", so its tensors are named
/// "h.N.attn.c_attn_lora.A" and "….B" in state dicts, checkpoints and files.
/// </summary>
internal sealed class LoraAdapter : nn.Module
{
    // Field names are the state-dict names (RegisterComponents).
#pragma warning disable IDE1006
    private readonly Parameter A;
    private readonly Parameter B;
#pragma warning restore IDE1006
    private readonly double _scaling;
    private readonly double _dropout;

    /// <summary>
    /// A from U(−1/√in, 1/√in) drawn from <paramref name="generator"/> (the bound of PyTorch's default for a layer of
    /// that input width), B zero: the adapted layer starts equal to the base layer.
    /// </summary>
    public LoraAdapter(long input, long output, LoraConfig config, Generator generator, Device device) : base("lora")
    {
        double bound = 1 / Math.Sqrt(input);
        using (no_grad())
        {
            using var uniform = rand([config.Rank, input], generator: generator);
            A = new Parameter(KeptScalar.SubInPlace(KeptScalar.Mul(uniform, 2 * bound), bound).to(device));
        }
        B = new Parameter(zeros(output, config.Rank, device: device));
        _scaling = config.Scaling;
        _dropout = config.Dropout;
        RegisterComponents();
    }

    /// <summary>A (r × in).</summary>
    public Parameter Down => A;

    /// <summary>B (out × r).</summary>
    public Parameter Up => B;

    /// <summary>(α / r) · B·A·dropout(x), with <paramref name="linear"/> the model's product in its compute type.</summary>
    public Tensor Delta(Tensor x, Func<Tensor, Tensor, Tensor?, Tensor> linear)
    {
        var input = _dropout > 0 ? F.dropout(x, _dropout, training) : x;
        // Scaling the r-wide intermediate costs r values per position instead of out.
        return linear(KeptScalar.MulInPlace(linear(input, A, null), _scaling), B, null);
    }
}
