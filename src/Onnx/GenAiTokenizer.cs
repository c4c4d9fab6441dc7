using ArML.Trainers;
using ArML.Trainers.Gpt.HuggingFace;
using ArML.Transforms.Text;

namespace ArML.Onnx;

/// <summary>
/// The Hugging Face tokenizer files of a decoder folder, which ONNX Runtime GenAI's tokenizer reads (tokenizer.json with
/// tokenizer_config.json's GPT2Tokenizer class): written by the same code as <c>SaveHuggingFace</c>'s, with every id
/// mapped to the model's id, so GenAI's tokenizer encodes text to the ids the graph reads.
/// </summary>
/// <remarks>
/// Written for byte-level BPE tokenizers whose ids are the model's but the separator (a model loaded with
/// LoadHuggingFace, fine-tuned or not). Not written, with the reason, for:
/// character and word vocabularies (ArML splits words and maps unknown characters itself; no tokenizer.json that
/// GenAI 0.20's tokenizer reads was shown to reproduce that id for id, so none is written), tokenizers that
/// are not ArML's (tiktoken encodings such as gpt2 or r50k_base have ranks but no merges file), and compact training
/// vocabularies (the keys seen in training plus one unknown id: many tokenizer strings would share that id).
/// </remarks>
internal static class GenAiTokenizer
{
    /// <summary>The files <see cref="Files"/> returns.</summary>
    internal static readonly string[] FileNames = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"];

    /// <summary>The files to write, or null with <paramref name="reason"/> saying why none can be.</summary>
    internal static IReadOnlyList<(string Name, byte[] Content)>? Files(LanguageModelTransformer model, int contextLength, out string? reason)
    {
        reason = Unsupported(model);
        if (reason != null) return null;
        var map = model.KeyMap;
        // Tokenizer ids above the model's (a tokenizer larger than the model, as tiny-random-gpt2's) keep their own id,
        // above every model id: GenAI then fails on them as ArML does, instead of the files losing merges they need.
        return HuggingFaceTokenizerWriter.Files((BpeVocabulary)model.Codec!, map.SeparatorColumnId, contextLength,
            id => map.ToModelId(id) is int modelId and >= 0 ? modelId : id);
    }

    private static string? Unsupported(LanguageModelTransformer model)
    {
        if (model.Codec is not BpeVocabulary { ByteLevel: true } bpe)
            return $"the model's tokenizer is {(model.Codec is TokenVocabulary v ? v.Description : "not an ArML tokenizer vocabulary")}; " +
                "tokenizer.json is written for byte-level BPE tokenizers only (ArML's character and word tokenizers have no tokenizer.json form known to give the same ids in ONNX Runtime GenAI)";
        if (model.KeyMap.SeparatorColumnId < 0)
            return "the model reads a compact training vocabulary (the keys seen in training plus one unknown id), which a tokenizer.json cannot express; " +
                "fine-tune a model loaded with LoadHuggingFace to get one whose tokenizer exports";
        if (bpe.VocabularySize <= model.KeyMap.SeparatorColumnId)
            return "the model's separator is outside its tokenizer";
        return null;
    }
}
