namespace ArML.Onnx;

/// <summary>Which graph <see cref="OnnxExport.ExportOnnx(Trainers.LanguageModelTransformer, string, OnnxExportOptions?)"/> writes.</summary>
public enum OnnxGraphKind
{
    /// <summary>One .onnx file that scores framed rows (see <see cref="OnnxScoringContract"/>).</summary>
    Scoring,

    /// <summary>
    /// A folder that ONNX Runtime GenAI loads (its "gpt2" model type): model.onnx with a key-value cache and
    /// genai_config.json; no tokenizer files yet, so GenAI is fed model ids (the separator first).
    /// </summary>
    Decoder,
}

/// <summary>The floating-point type of an exported graph's weights, activations and cache.</summary>
public enum OnnxPrecision
{
    /// <summary>float32 (default): the model's own numbers.</summary>
    Float32,

    /// <summary>float16: half the file and the memory, for GPUs; logits stay float32, log-likelihoods float64.</summary>
    Float16,
}

/// <summary>Options of <see cref="OnnxExport.ExportOnnx(Trainers.LanguageModelTransformer, string, OnnxExportOptions?)"/>; null properties take the defaults.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>The graph to write (default <see cref="OnnxGraphKind.Scoring"/>).</summary>
    public OnnxGraphKind Kind { get; set; } = OnnxGraphKind.Scoring;

    /// <summary>Weights' and activations' type (default <see cref="OnnxPrecision.Float32"/>).</summary>
    public OnnxPrecision Precision { get; set; } = OnnxPrecision.Float32;

    /// <summary>
    /// Decoder only: genai_config.json's search.max_length, the prompt and the continuation together (default: the
    /// model's context length, which GenAI's cache must not pass since positions are learned).
    /// </summary>
    public int? MaxLength { get; set; }
}
