using ArML.Trainers.Gpt;

namespace ArML.Onnx;

/// <summary>The MLP's activation as the exported graph computes it.</summary>
internal enum OnnxActivation
{
    /// <summary>Exact GELU, x·Φ(x), with Erf (PyTorch's default, ArML's GptModel).</summary>
    Gelu,

    /// <summary>GELU's tanh approximation (Hugging Face's "gelu_new").</summary>
    GeluTanh,

    /// <summary>max(x, 0).</summary>
    Relu,
}

/// <summary>
/// What the exporter needs to know about a GPT network, one field per switch of the graph, so a new option of
/// <see cref="GptConfig"/> maps onto exactly one of them in <see cref="From"/>.
/// </summary>
/// <param name="Config">The network's shape.</param>
/// <param name="Activation">The MLP's activation.</param>
/// <param name="LayerNormEpsilon">Epsilon of every LayerNormalization.</param>
/// <param name="InnerWidth">Width of the MLP's hidden layer.</param>
/// <param name="HeadWeight">State-dict name of the output head's weight ([vocabulary, width]); the token embedding when tied.</param>
internal sealed record GptOnnxShape(GptConfig Config, OnnxActivation Activation, float LayerNormEpsilon, int InnerWidth, string HeadWeight)
{
    public int Width => Config.EmbeddingSize;

    public int Heads => Config.HeadCount;

    public int HeadSize => Config.EmbeddingSize / Config.HeadCount;

    /// <summary>
    /// The switches of <paramref name="config"/>, or an exception naming the feature the exporter does not write.
    /// GptModel's defaults are exact GELU, LayerNorm epsilon 1e-5, a 4× MLP and a head tied to wte; Hugging Face
    /// imports may set any of them otherwise.
    /// </summary>
    /// <exception cref="NotSupportedException">Rotary position embeddings, or an activation the graph does not write.</exception>
    public static GptOnnxShape From(GptConfig config)
    {
        if (config.PositionEncoding != PositionEncoding.Learned)
            throw new NotSupportedException(
                $"ONNX export supports GPT models with learned positions only; this model uses {config.PositionEncoding} position encoding.");
        var activation = config.Activation switch
        {
            GptActivation.Gelu => OnnxActivation.Gelu,
            GptActivation.GeluTanh => OnnxActivation.GeluTanh,
            GptActivation.Relu => OnnxActivation.Relu,
            _ => throw new NotSupportedException($"ONNX export does not write the activation {config.Activation}."),
        };
        // A separate head is GptModel's lm_head (Linear, [vocabulary, width]), stored under that name.
        return new GptOnnxShape(config, activation, (float)config.LayerNormEpsilon, config.MlpWidth, config.TiedHead ? "wte.weight" : "lm_head.weight");
    }
}
