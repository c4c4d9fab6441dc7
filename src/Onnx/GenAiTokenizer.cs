using ArML.Trainers;

namespace ArML.Onnx;

/// <summary>Tokenizer files for a GenAI decoder folder, when the model's tokenizer has an equivalent GenAI reads.</summary>
internal sealed class GenAiTokenizer
{
    /// <summary>The tokenizer files to write, or null when the folder is for token ids only.</summary>
    public static GenAiTokenizer? For(LanguageModelTransformer model) => null;

    public void Write(string folder)
    {
    }
}
