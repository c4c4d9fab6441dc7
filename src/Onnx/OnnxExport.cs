using ArML.Persistence;
using ArML.Torch;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using ArML.Trainers.Lstm;
using ArML.Trainers.NGram;
using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace ArML.Onnx;

/// <summary>Exports ArML language models to ONNX (opset 17, standard operators only).</summary>
/// <remarks>
/// | Kind | Writes | Runs in |
/// |---|---|---|
/// | Scoring | one .onnx file (<see cref="OnnxScoringContract"/>) | ONNX Runtime, ML.NET's ApplyOnnxModel, SynapseML's ONNXModel |
/// | Decoder | a folder: model.onnx, genai_config.json, and tokenizer.json + tokenizer_config.json for byte-level BPE models loaded with LoadHuggingFace | ONNX Runtime GenAI ("gpt2") |
///
/// Supported: GPT models with learned positions, with or without biases, unconditional; LSTM and GRU models as a
/// float32 scoring graph (ONNX's LSTM/GRU operators; rows padded on the right). Every file is written to a
/// temporary file and renamed, so a failed export leaves no partial file; the model is checked before anything is written.
/// </remarks>
public static class OnnxExport
{
    // Protocol Buffers cannot serialise a message over 2 GiB; larger models would need ONNX's external data.
    private const long MaxProtobufBytes = (2L << 30) - (16L << 20);

    /// <summary>Writes <paramref name="model"/> as an ONNX scoring graph (a file) or GenAI decoder (a folder) at <paramref name="path"/>.</summary>
    /// <param name="model">A GPT language model (trained or loaded), or an LSTM/GRU language model (scoring graph only).</param>
    /// <param name="path">The .onnx file (Scoring) or the folder (Decoder, created if missing).</param>
    /// <param name="options">What to write; null for a float32 scoring graph.</param>
    /// <exception cref="NotSupportedException">The model's family or an option of it is not exported, or <see cref="OnnxExportOptions.RequireTokenizer"/>
    /// is set and the model's tokenizer cannot be written (the message names it).</exception>
    public static void ExportOnnx(this LanguageModelTransformer model, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new OnnxExportOptions();
        if (model.Model is LstmLanguageModel recurrent)
        {
            ExportRecurrent(recurrent, path, options);
            return;
        }
        var gpt = Gpt(model);
        IReadOnlyList<(string Name, byte[] Content)>? tokenizer = null;
        if (options.Kind == OnnxGraphKind.Decoder)
        {
            tokenizer = GenAiTokenizer.Files(model, gpt.Model.Config.ContextLength, out string? reason);
            if (reason != null && options.RequireTokenizer)
                throw new NotSupportedException($"No tokenizer files can be written for ONNX Runtime GenAI: {reason}.");
        }
        Export(gpt, path, options, tokenizer);
    }

    /// <summary>Exports a GPT network (the transformer's checks already done), with the decoder folder's tokenizer files if any.</summary>
    internal static void Export(GptLanguageModel gpt, string path, OnnxExportOptions options, IReadOnlyList<(string Name, byte[] Content)>? tokenizer = null)
    {
        var shape = GptOnnxShape.From(gpt.Model.Config);
        var type = DataTypeOf(options.Precision);
        var weights = Weights(gpt, options.Precision);
        switch (options.Kind)
        {
            case OnnxGraphKind.Scoring:
                Write(path, GptScoringGraph.Build(shape, weights, type));
                break;
            case OnnxGraphKind.Decoder:
                int maxLength = options.MaxLength ?? shape.Config.ContextLength;
                if (maxLength < 2 || maxLength > shape.Config.ContextLength)
                    throw new ArgumentOutOfRangeException(nameof(options), $"MaxLength must be in 2..{shape.Config.ContextLength} (the context length), but is {maxLength}.");
                var decoder = GptDecoderGraph.Build(shape, gpt.Vocabulary, weights, type);
                Directory.CreateDirectory(path);
                Write(Path.Combine(path, GenAiConfig.ModelFileName), decoder);
                AtomicFile.Write(Path.Combine(path, GenAiConfig.FileName), s => GenAiConfig.Write(s, shape, gpt.Vocabulary, maxLength));
                foreach (var (name, content) in tokenizer ?? [])
                    AtomicFile.Write(Path.Combine(path, name), s => s.Write(content));
                // Tokenizer files of an earlier export to the same folder would encode to ids this model does not read.
                if (tokenizer is null)
                    foreach (string name in GenAiTokenizer.FileNames) File.Delete(Path.Combine(path, name));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(options), $"Unknown graph kind {options.Kind}.");
        }
    }

    /// <summary>Writes an LSTM or GRU model's scoring graph (float32; GenAI's decoder conventions are for transformers).</summary>
    private static void ExportRecurrent(LstmLanguageModel model, string path, OnnxExportOptions options)
    {
        if (options.Kind != OnnxGraphKind.Scoring)
            throw new NotSupportedException($"ONNX export writes {model.Model.Config.Cell} models as a scoring graph only: ONNX Runtime GenAI's decoder is for transformers.");
        if (options.Precision != OnnxPrecision.Float32)
            throw new NotSupportedException($"ONNX export writes {model.Model.Config.Cell} models in float32 only.");
        if (!model.Vocabulary.StartsWithSeparator || !model.Vocabulary.EndsWithSeparator)
            throw new NotSupportedException("ONNX export frames rows with the separator at both ends; this model leaves one out.");
        Write(path, RecurrentScoringGraph.Build(model.Model));
    }

    /// <summary>Refuses: an n-gram model's interchange format is ARPA (<c>ExportArpa</c>), not ONNX.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public static void ExportOnnx(this NGramTransformer model, string path, OnnxExportOptions? options = null) =>
        throw new NotSupportedException("N-gram models are not exported to ONNX: ARPA is their interchange format (ExportArpa writes it).");

    internal static GptLanguageModel Gpt(LanguageModelTransformer model)
    {
        if (model.Model is not GptLanguageModel gpt)
            throw new NotSupportedException($"This ONNX export supports GPT language models (LSTM and GRU models: ExportOnnx's scoring graph); this model is a {model.Model.GetType().Name}.");
        if (gpt.Vocabulary.ConditionKeyCount > 0)
            throw new NotSupportedException("ONNX export supports unconditional GPT models; this model reads a condition column.");
        if (gpt.Model.ComputeType != TorchSharp.torch.ScalarType.Float32 && gpt.Model.ComputeType != TorchSharp.torch.ScalarType.BFloat16)
            throw new NotSupportedException($"ONNX export does not support compute type {gpt.Model.ComputeType}.");
        return gpt;
    }

    internal static DataType DataTypeOf(OnnxPrecision precision) => precision switch
    {
        OnnxPrecision.Float32 => DataType.Float,
        OnnxPrecision.Float16 => DataType.Float16,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), $"Unknown precision {precision}."),
    };

    /// <summary>The model's state dict, refused when the graph would pass Protocol Buffers' 2 GiB limit.</summary>
    internal static Dictionary<string, TensorData> Weights(GptLanguageModel gpt, OnnxPrecision precision)
    {
        var weights = gpt.Model.MergedWeights().ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);   // adapters folded in
        long bytes = weights.Values.Sum(t => (long)t.Data.Length) / (precision == OnnxPrecision.Float16 ? 2 : 1);
        if (bytes > MaxProtobufBytes)
            throw new NotSupportedException($"The model's weights take {bytes >> 20} MiB; ONNX export writes single-file models under 2 GiB (external data is not supported).");
        return weights;
    }

    internal static void Write(string path, ModelProto model) => AtomicFile.Write(path, stream => model.WriteTo(stream));
}
