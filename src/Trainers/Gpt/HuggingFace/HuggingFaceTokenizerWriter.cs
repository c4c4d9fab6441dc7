using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ArML.Transforms.Text;

namespace ArML.Trainers.Gpt.HuggingFace;

/// <summary>
/// A byte-level BPE tokenizer as Hugging Face's tokenizer files (tokenizer.json, tokenizer_config.json,
/// special_tokens_map.json), which transformers' GPT2TokenizerFast and ONNX Runtime GenAI's tokenizer both read. One
/// writer for both: a GPT-2 directory keeps the tokenizer's ids, an ONNX Runtime GenAI folder maps them to the model's.
/// </summary>
internal static class HuggingFaceTokenizerWriter
{
    /// <summary>The files' names and contents, ids through <paramref name="toId"/> (identity when null); nothing is written.</summary>
    /// <param name="bpe">A byte-level BPE vocabulary.</param>
    /// <param name="endOfText">The tokenizer id of the end-of-text token (the model's separator).</param>
    /// <param name="contextLength">tokenizer_config.json's model_max_length.</param>
    /// <param name="toId">The id each tokenizer id is written as.</param>
    internal static IReadOnlyList<(string Name, byte[] Content)> Files(BpeVocabulary bpe, int endOfText, int contextLength, Func<int, int>? toId = null)
    {
        toId ??= id => id;
        // The tokenizer files name the tokenizer's own end-of-text token. A checkpoint whose eos_token_id is an ordinary
        // token (tiny-random-gpt2's is 98, the byte '¥') keeps that id in config.json only: naming it as the tokenizer's
        // eos_token would make Python's tokenizer (and a re-import) treat a byte of ordinary text as special.
        string eos = bpe.GetToken(endOfText);
        if (!bpe.SpecialTokens.ContainsKey(eos) && bpe.SpecialTokens.Count > 0)
            eos = bpe.SpecialTokens.ContainsKey("<|endoftext|>") ? "<|endoftext|>" : bpe.SpecialTokens.MinBy(s => s.Value).Key;
        return
        [
            ("tokenizer.json", Json(TokenizerJson(bpe, toId))),
            ("tokenizer_config.json", Json(new JsonObject
            {
                ["tokenizer_class"] = "GPT2Tokenizer", ["bos_token"] = eos, ["eos_token"] = eos, ["unk_token"] = eos,
                ["add_prefix_space"] = false, ["model_max_length"] = contextLength,
            })),
            ("special_tokens_map.json", Json(new JsonObject { ["bos_token"] = eos, ["eos_token"] = eos, ["unk_token"] = eos })),
        ];
    }

    /// <summary>UTF-8 of indented JSON.</summary>
    internal static byte[] Json(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    // tokenizers' format for GPT-2: byte-level pre-tokenizer and decoder, BPE model over vocab.json and merges.txt.
    // Merges name tokens by their strings, so mapping the vocabulary's ids leaves the merges as they are.
    private static JsonObject TokenizerJson(BpeVocabulary bpe, Func<int, int> toId)
    {
        var vocab = new JsonObject();
        for (int id = 0; id < bpe.VocabularySize; id++) vocab[bpe.GetToken(id)] = toId(id);
        var merges = new JsonArray();
        foreach (string line in Encoding.UTF8.GetString(bpe.GetMergesText()).Split('\n'))
            if (line.Length > 0 && !line.StartsWith("#version", StringComparison.Ordinal)) merges.Add(line);
        var added = new JsonArray();
        foreach (var (token, id) in bpe.SpecialTokens.OrderBy(s => s.Value))
            added.Add(new JsonObject
            {
                ["id"] = toId(id), ["content"] = token, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
            });
        JsonObject ByteLevel(bool trim) => new() { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = trim, ["use_regex"] = true };
        return new JsonObject
        {
            ["version"] = "1.0", ["truncation"] = null, ["padding"] = null, ["added_tokens"] = added, ["normalizer"] = null,
            ["pre_tokenizer"] = ByteLevel(true), ["post_processor"] = ByteLevel(false), ["decoder"] = ByteLevel(true),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = "", ["end_of_word_suffix"] = "",
                ["fuse_unk"] = false, ["byte_fallback"] = false, ["vocab"] = vocab, ["merges"] = merges,
            },
        };
    }
}
