using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ArML.Persistence;
using ArML.Transforms.Text;
using Microsoft.ML;

namespace ArML.Trainers.Gpt.HuggingFace;

/// <summary>
/// Writes a GPT <see cref="LanguageModelTransformer"/> as a Hugging Face GPT-2 directory that transformers reads with
/// GPT2LMHeadModel and GPT2TokenizerFast: config.json, generation_config.json, model.safetensors (GPT-2's names,
/// Conv1D layout, float32) and vocab.json + merges.txt + tokenizer.json. Every file is written atomically.
/// </summary>
/// <remarks>
/// GPT-2's format has one vocabulary shared by the tokenizer and the model, learned positions, biases everywhere and
/// end-of-text framing. A model whose ids are its tokenizer's with end-of-text as separator (a checkpoint imported with
/// LoadHuggingFace, fine-tuned or not) maps exactly; rotary positions, layers without biases, a condition column and
/// ArML's compact vocabularies (the keys seen in training plus an unknown token) have no GPT-2 counterpart and are
/// refused, naming the feature.
/// </remarks>
internal static class HuggingFaceExport
{
    internal static void Save(LanguageModelTransformer model, TokenVocabulary? vocabulary, string directory)
    {
        var gpt = model.Model as GptLanguageModel
            ?? throw new NotSupportedException($"Only GPT models can be saved in Hugging Face's GPT-2 layout; this one is a {model.Model.GetType().Name}.");
        var m = gpt.Model.Config;
        if (m.PositionEncoding != PositionEncoding.Learned)
            throw new NotSupportedException("The model uses rotary position embeddings, which GPT-2's format cannot express (it has learned absolute positions).");
        if (!m.Bias) throw new NotSupportedException("The model's layers have no biases; GPT-2's format has biases in every layer and layer norm.");
        if (gpt.Model.HasAdapters)
            throw new NotSupportedException("The model has low-rank adapters, which GPT-2's format cannot hold: export model.MergeAdapters() instead.");
        if (gpt.Vocabulary.ConditionKeyCount > 0)
            throw new NotSupportedException("The model is conditional (it reads a condition column), which GPT-2's format cannot express.");
        if (model.KeyMap.SeparatorColumnId < 0)
            throw new NotSupportedException(
                "The model reads a compact vocabulary (the keys seen in training plus an unknown token, with ArML's own separator), which GPT-2's " +
                "format cannot express: its model and tokenizer share one vocabulary framed by an end-of-text token. Start from a checkpoint " +
                "loaded with LoadHuggingFace and fine-tune it to get a model that exports.");
        if (vocabulary is not BpeVocabulary { ByteLevel: true } bpe)
            throw new NotSupportedException(
                $"The model's tokenizer is {(vocabulary is null ? "not an ArML tokenizer" : vocabulary.Description)}; the Hugging Face export writes byte-level BPE tokenizers (vocab.json, merges.txt, tokenizer.json).");

        int endOfText = model.KeyMap.SeparatorColumnId;
        Directory.CreateDirectory(directory);
        var tensors = HuggingFaceGpt2Weights.Export(gpt.Model, endOfText);
        Write(directory, "model.safetensors", SafeTensorsFormat.ToBytes(tensors, new Dictionary<string, string> { ["format"] = "pt" }));
        var activation = HuggingFaceGpt2Config.Activations.First(a => a.Value == m.Activation).Key;
        WriteJson(directory, "config.json", new JsonObject
        {
            ["architectures"] = new JsonArray("GPT2LMHeadModel"), ["model_type"] = "gpt2",
            ["vocab_size"] = m.VocabularySize, ["n_positions"] = m.ContextLength, ["n_ctx"] = m.ContextLength, ["n_embd"] = m.EmbeddingSize,
            ["n_layer"] = m.LayerCount, ["n_head"] = m.HeadCount, ["n_inner"] = m.InnerSize, ["activation_function"] = activation,
            ["layer_norm_epsilon"] = m.LayerNormEpsilon, ["tie_word_embeddings"] = m.TiedHead,
            ["resid_pdrop"] = 0.0, ["embd_pdrop"] = 0.0, ["attn_pdrop"] = 0.0, ["initializer_range"] = 0.02,
            ["scale_attn_weights"] = true, ["scale_attn_by_inverse_layer_idx"] = false, ["reorder_and_upcast_attn"] = false,
            ["bos_token_id"] = endOfText, ["eos_token_id"] = endOfText, ["torch_dtype"] = "float32", ["use_cache"] = true,
        });
        WriteJson(directory, "generation_config.json", new JsonObject { ["bos_token_id"] = endOfText, ["eos_token_id"] = endOfText });
        Write(directory, "vocab.json", bpe.GetVocabJson());
        Write(directory, "merges.txt", bpe.GetMergesText());
        foreach (var (name, content) in HuggingFaceTokenizerWriter.Files(bpe, endOfText, m.ContextLength)) Write(directory, name, content);
    }

    private static void WriteJson(string directory, string name, JsonNode node) => Write(directory, name, HuggingFaceTokenizerWriter.Json(node));

    private static void Write(string directory, string name, byte[] bytes) => AtomicFile.Write(Path.Combine(directory, name), s => s.Write(bytes));
}
