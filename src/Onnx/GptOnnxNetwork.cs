using System.Runtime.InteropServices;
using ArML.Persistence;
using DataType = Onnx.TensorProto.Types.DataType;

namespace ArML.Onnx;

/// <summary>
/// Writes a GPT network (GptModel's forward pass, nanoGPT's names) into an <see cref="OnnxGraph"/>: embeddings,
/// pre-LayerNorm blocks of masked self-attention and an MLP, the final LayerNorm and the output head, with standard
/// opset-17 operators only. The scoring and decoder graphs differ only in what they feed it and read from it.
/// </summary>
internal sealed class GptOnnxNetwork
{
    private readonly OnnxGraph _g;
    private readonly GptOnnxShape _shape;
    private readonly IReadOnlyDictionary<string, TensorData> _weights;
    private readonly DataType _type;
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);

    /// <param name="graph">The graph to write into.</param>
    /// <param name="shape">The network's switches.</param>
    /// <param name="weights">The state dict (float32), by nanoGPT's names.</param>
    /// <param name="type">Float or Float16: the weights', activations' and cache's type (logits are always float32).</param>
    public GptOnnxNetwork(OnnxGraph graph, GptOnnxShape shape, IReadOnlyDictionary<string, TensorData> weights, DataType type)
    {
        _g = graph;
        _shape = shape;
        _weights = weights;
        _type = type;
    }

    /// <summary>
    /// Float32 logits (B, T, V) of <paramref name="ids"/> (B, T) at <paramref name="positions"/> (B, T), where query i
    /// attends to key j when <paramref name="allowed"/> (bool, broadcastable to (B, 1, T, P + T)) says so. With
    /// <paramref name="past"/> (one [2, B, heads, P, head size] input per layer) the keys are the cached ones then
    /// these; <paramref name="presents"/> receives each layer's [2, B, heads, P + T, head size].
    /// </summary>
    public string Logits(string ids, string positions, string allowed, IReadOnlyList<string>? past, List<string>? presents)
    {
        var x = _g.Node("Add", [_g.Node("Gather", [Table("wte.weight"), ids]), _g.Node("Gather", [Table("wpe.weight"), positions])]);   // (B, T, C)
        for (int layer = 0; layer < _shape.Config.LayerCount; layer++)
        {
            string h = $"h.{layer}.";
            var attended = Attention(Norm(x, h + "ln_1"), h + "attn", allowed, past?[layer], presents);
            x = _g.Node("Add", [x, attended]);
            x = _g.Node("Add", [x, Mlp(Norm(x, h + "ln_2"), h + "mlp")]);
        }
        x = Norm(x, "ln_f");
        // The head is stored [V, C] as in the state dict; ORT folds the transpose of a constant once, at load.
        var head = _g.Node("Transpose", [Table(_shape.HeadWeight)], ("perm", new long[] { 1, 0 }));
        var logits = _g.Node("MatMul", [x, head]);                                                                           // (B, T, V)
        return _type == DataType.Float ? logits : _g.Node("Cast", [logits], ("to", (long)DataType.Float));
    }

    private string Attention(string x, string prefix, string allowed, string? past, List<string>? presents)
    {
        int c = _shape.Width;
        var qkv = Linear(x, prefix + ".c_attn");                                                                 // (B, T, 3C)
        var parts = _g.Node("Split", [qkv, _g.Int64s(c, c, c)], 3, ("axis", 2L));
        string Heads(string part) =>
            _g.Node("Transpose", [_g.Node("Reshape", [part, _g.Int64s(0, 0, _shape.Heads, _shape.HeadSize)])], ("perm", new long[] { 0, 2, 1, 3 }));   // (B, nh, T, hs)
        string q = Heads(parts[0]), k = Heads(parts[1]), v = Heads(parts[2]);
        if (past != null)
        {
            // past[0] holds the keys, past[1] the values, of the earlier positions: (B, nh, P, hs) each.
            k = _g.Node("Concat", [_g.Node("Gather", [past, _g.Int64(0)], ("axis", 0L)), k], ("axis", 2L));
            v = _g.Node("Concat", [_g.Node("Gather", [past, _g.Int64(1)], ("axis", 0L)), v], ("axis", 2L));
            presents!.Add(_g.Node("Concat", [_g.Node("Unsqueeze", [k, _g.Int64s(0)]), _g.Node("Unsqueeze", [v, _g.Int64s(0)])], ("axis", 0L)));
        }
        // Scaled dot products (B, nh, T, P + T); disallowed pairs get the type's lowest finite value (not −∞), so a
        // padded query that sees no key gets a uniform, finite softmax instead of NaNs.
        var scaledQ = _g.Node("Mul", [q, _g.Scalar((float)(1.0 / Math.Sqrt(_shape.HeadSize)), _type)]);
        var scores = _g.Node("MatMul", [scaledQ, _g.Node("Transpose", [k], ("perm", new long[] { 0, 1, 3, 2 }))]);
        float lowest = _type == DataType.Float16 ? (float)Half.MinValue : float.MinValue;
        var masked = _g.Node("Where", [allowed, scores, _g.Scalar(lowest, _type)]);
        var y = _g.Node("MatMul", [_g.Node("Softmax", [masked], ("axis", -1L)), v]);                             // (B, nh, T, hs)
        y = _g.Node("Reshape", [_g.Node("Transpose", [y], ("perm", new long[] { 0, 2, 1, 3 })), _g.Int64s(0, 0, c)]);   // (B, T, C)
        return Linear(y, prefix + ".c_proj");
    }

    private string Mlp(string x, string prefix)
    {
        // The weights decide the graph's widths; a config that says otherwise would export a network it does not describe.
        long inner = _weights[prefix + ".c_fc.weight"].Shape[0];
        if (inner != _shape.InnerWidth)
            throw new InvalidOperationException($"Tensor {prefix}.c_fc.weight has {inner} outputs but the model's config says an MLP width of {_shape.InnerWidth}.");
        return Linear(Activation(Linear(x, prefix + ".c_fc")), prefix + ".c_proj");
    }

    private string Activation(string x)
    {
        var half = _g.Scalar(0.5f, _type);
        var one = _g.Scalar(1f, _type);
        switch (_shape.Activation)
        {
            case OnnxActivation.Gelu:      // x · ½(1 + erf(x / √2))
                var erf = _g.Node("Erf", [_g.Node("Mul", [x, _g.Scalar((float)(1 / Math.Sqrt(2)), _type)])]);
                return _g.Node("Mul", [_g.Node("Mul", [x, half]), _g.Node("Add", [erf, one])]);
            case OnnxActivation.GeluTanh:  // x · ½(1 + tanh(√(2/π)(x + 0.044715 x³)))
                var cube = _g.Node("Mul", [_g.Node("Mul", [x, x]), x]);
                var inner = _g.Node("Mul", [_g.Node("Add", [x, _g.Node("Mul", [cube, _g.Scalar(0.044715f, _type)])]), _g.Scalar((float)Math.Sqrt(2 / Math.PI), _type)]);
                return _g.Node("Mul", [_g.Node("Mul", [x, half]), _g.Node("Add", [_g.Node("Tanh", [inner]), one])]);
            case OnnxActivation.Relu:
                return _g.Node("Relu", [x]);
            default:
                throw new NotSupportedException($"ONNX export does not write the activation {_shape.Activation}.");
        }
    }

    private string Norm(string x, string prefix)
    {
        List<string> inputs = [x, Table(prefix + ".weight")];
        if (_shape.Config.Bias) inputs.Add(Table(prefix + ".bias"));
        return _g.Node("LayerNormalization", inputs, ("axis", -1L), ("epsilon", _shape.LayerNormEpsilon));
    }

    // y = x·Wᵀ + b: the [out, in] weight is stored transposed, so MatMul reads it as is.
    private string Linear(string x, string prefix)
    {
        var data = _weights[prefix + ".weight"];
        int output = checked((int)data.Shape[0]), input = checked((int)data.Shape[1]);
        var source = Floats(data);
        var transposed = new float[source.Length];
        for (int o = 0; o < output; o++)
            for (int i = 0; i < input; i++)
                transposed[i * output + o] = source[o * input + i];
        var y = _g.Node("MatMul", [x, _g.Weights(prefix + ".weight", transposed, [input, output], _type)]);
        return _shape.Config.Bias ? _g.Node("Add", [y, Table(prefix + ".bias")]) : y;
    }

    // A tensor stored as the state dict has it, once however often it is read (the tied head reads wte again).
    private string Table(string name)
    {
        if (!_written.Add(name)) return name;
        var data = _weights[name];
        return _g.Weights(name, Floats(data), data.Shape, _type);
    }

    private static ReadOnlySpan<float> Floats(TensorData data) =>
        data.DType == "F32" ? MemoryMarshal.Cast<byte, float>(data.Data) : throw new NotSupportedException($"Tensor of type {data.DType}: ONNX export reads F32 weights.");
}
