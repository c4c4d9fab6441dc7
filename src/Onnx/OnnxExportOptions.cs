namespace ArML.Onnx;

/// <summary>Which graph <see cref="OnnxExport.ExportOnnx(Trainers.LanguageModelTransformer, string, OnnxExportOptions?)"/> writes.</summary>
public enum OnnxGraphKind
{
    /// <summary>One .onnx file that scores framed rows (see <see cref="OnnxScoringContract"/>).</summary>
    Scoring,

    /// <summary>
    /// A folder that ONNX Runtime GenAI loads (its "gpt2" model type): model.onnx with a key-value cache,
    /// genai_config.json and, for a byte-level BPE model loaded with LoadHuggingFace (fine-tuned or not), Hugging Face's
    /// tokenizer.json + tokenizer_config.json in the model's ids, so GenAI's own tokenizer encodes and decodes text.
    /// Other models get no tokenizer files (see <see cref="OnnxExportOptions.RequireTokenizer"/>): GenAI is then fed model ids.
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

    /// <summary>
    /// Decoder only: refuse (<see cref="NotSupportedException"/> naming the reason, before anything is written) a model
    /// whose tokenizer cannot be written as a tokenizer.json GenAI reads — character and word vocabularies, tiktoken
    /// encodings, compact training vocabularies. Default false: the graph and genai_config.json are written without
    /// tokenizer files, and GenAI is fed model ids.
    /// </summary>
    public bool RequireTokenizer { get; set; }
}
