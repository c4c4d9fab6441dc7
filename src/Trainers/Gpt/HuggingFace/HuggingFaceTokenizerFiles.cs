using System.Text;
using System.Text.Json;
using ArML.Persistence;
using ArML.Transforms.Text;

namespace ArML.Trainers.Gpt.HuggingFace;

/// <summary>
/// Reads a Hugging Face byte-level BPE tokenizer (GPT-2's) from a model directory: vocab.json + merges.txt, or
/// tokenizer.json when those are absent; special tokens from tokenizer_config.json, special_tokens_map.json and
/// tokenizer.json's added tokens. Encoded by <see cref="BpeVocabulary"/>, whose ids equal GPT-2's tokenizer's on
/// ordinary text. Tokens added outside the BPE vocabulary (which Python's tokenizer matches in the text before BPE)
/// cannot be reproduced: they are refused unless the caller chooses to ignore them.
/// </summary>
internal static class HuggingFaceTokenizerFiles
{
    private const int MaxJsonBytes = 64 << 20;
    private static readonly string[] SpecialKeys = ["bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token"];

    /// <summary>The vocabulary and the end-of-text token's string (eos_token, else "&lt;|endoftext|&gt;" when present), or null.</summary>
    /// <exception cref="ArmlModelFormatException">No tokenizer files, a tokenizer that is not byte-level BPE, or added tokens outside the vocabulary (unless ignored).</exception>
    internal static (BpeVocabulary Vocabulary, string? EndOfText) Read(string directory, bool ignoreAddedTokens)
    {
        string vocabPath = Path.Combine(directory, "vocab.json"), mergesPath = Path.Combine(directory, "merges.txt");
        string tokenizerPath = Path.Combine(directory, "tokenizer.json");
        var specials = new List<string>();
        var added = new Dictionary<string, bool>(StringComparer.Ordinal);   // added token → special
        string? eos = null;
        foreach (string file in new[] { "tokenizer_config.json", "special_tokens_map.json" })
        {
            using var document = ReadJson(Path.Combine(directory, file));
            if (document is null) continue;
            var root = document.RootElement;
            if (file == "tokenizer_config.json" && root.TryGetProperty("add_prefix_space", out var prefix) && prefix.ValueKind == JsonValueKind.True)
                throw new ArmlModelFormatException($"{Path.Combine(directory, file)}: add_prefix_space = true is not supported (ArML encodes rows as they are).");
            foreach (string key in SpecialKeys)
                if (root.TryGetProperty(key, out var value) && Content(value) is string token)
                {
                    specials.Add(token);
                    if (key == "eos_token") eos ??= token;
                }
            if (root.TryGetProperty("additional_special_tokens", out var more) && more.ValueKind == JsonValueKind.Array)
                foreach (var item in more.EnumerateArray())
                    if (Content(item) is string token) specials.Add(token);
            if (root.TryGetProperty("added_tokens_decoder", out var decoder) && decoder.ValueKind == JsonValueKind.Object)
                foreach (var item in decoder.EnumerateObject())
                    if (Content(item.Value) is string token) added[token] = item.Value.TryGetProperty("special", out var s) && s.ValueKind == JsonValueKind.True;
        }

        byte[] vocabJson, mergesText;
        if (File.Exists(vocabPath) && File.Exists(mergesPath))
        {
            vocabJson = File.ReadAllBytes(vocabPath);
            mergesText = File.ReadAllBytes(mergesPath);
        }
        else
        {
            using var document = ReadJson(tokenizerPath)
                ?? throw new ArmlModelFormatException($"'{directory}' has no tokenizer: neither vocab.json + merges.txt nor tokenizer.json.");
            (vocabJson, mergesText) = FromTokenizerJson(document.RootElement, tokenizerPath, added);
        }
        var vocabulary = ReadVocabularyKeys(vocabJson, vocabPath);
        var outside = added.Keys.Where(t => !vocabulary.Contains(t)).ToList();
        if (outside.Count > 0 && !ignoreAddedTokens)
            throw new ArmlModelFormatException(
                $"The tokenizer of '{directory}' adds {outside.Count} token(s) outside its BPE vocabulary (the first: '{outside[0]}'), which Python's " +
                "tokenizer matches in the text before BPE and ArML cannot reproduce. HuggingFaceOptions.IgnoreAddedTokens = true loads it without " +
                "them (ids then differ from Python's wherever the text holds one).");
        specials.AddRange(added.Where(a => a.Value).Select(a => a.Key));
        var inVocabulary = specials.Where(vocabulary.Contains).Distinct(StringComparer.Ordinal).ToList();
        eos ??= vocabulary.Contains("<|endoftext|>") ? "<|endoftext|>" : null;
        try
        {
            return (BpeVocabulary.FromFiles(new MemoryStream(vocabJson), new MemoryStream(mergesText), byteLevel: true, specialTokens: inVocabulary),
                eos != null && vocabulary.Contains(eos) ? eos : null);
        }
        catch (ArgumentException e)
        {
            throw new ArmlModelFormatException($"The tokenizer files of '{directory}' are not a byte-level BPE vocabulary: {e.Message}", e);
        }
    }

    private static HashSet<string> ReadVocabularyKeys(byte[] vocabJson, string path)
    {
        try
        {
            using var document = JsonDocument.Parse(vocabJson);
            return document.RootElement.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new ArmlModelFormatException($"{path} is not a JSON object of token ids: {e.Message}", e);
        }
    }

    // tokenizer.json: model BPE, byte-level pre-tokenizer without a prefix space, no normalizer.
    private static (byte[] Vocab, byte[] Merges) FromTokenizerJson(JsonElement root, string path, Dictionary<string, bool> added)
    {
        if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object
            || !model.TryGetProperty("type", out var type) || type.GetString() != "BPE")
            throw new ArmlModelFormatException($"{path}: the model is not BPE; ArML imports GPT-2's byte-level BPE tokenizer.");
        if (root.TryGetProperty("normalizer", out var normalizer) && normalizer.ValueKind != JsonValueKind.Null)
            throw new ArmlModelFormatException($"{path}: a normalizer is not supported (GPT-2's tokenizer has none).");
        if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind != JsonValueKind.Object
            || !pre.TryGetProperty("type", out var preType) || preType.GetString() != "ByteLevel"
            || (pre.TryGetProperty("add_prefix_space", out var space) && space.ValueKind == JsonValueKind.True))
            throw new ArmlModelFormatException($"{path}: the pre-tokenizer must be ByteLevel without add_prefix_space, as GPT-2's.");
        if (!model.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Object
            || !model.TryGetProperty("merges", out var merges) || merges.ValueKind != JsonValueKind.Array)
            throw new ArmlModelFormatException($"{path}: the BPE model lacks its vocab or merges.");
        var text = new StringBuilder("#version: 0.2\n");
        foreach (var merge in merges.EnumerateArray())
        {
            if (merge.ValueKind == JsonValueKind.String) text.Append(merge.GetString()).Append('\n');
            else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2)
                text.Append(merge[0].GetString()).Append(' ').Append(merge[1].GetString()).Append('\n');
            else throw new ArmlModelFormatException($"{path}: a merge is neither \"a b\" nor [\"a\", \"b\"].");
        }
        if (root.TryGetProperty("added_tokens", out var tokens) && tokens.ValueKind == JsonValueKind.Array)
            foreach (var token in tokens.EnumerateArray())
                if (Content(token) is string content)
                    added[content] = token.TryGetProperty("special", out var s) && s.ValueKind == JsonValueKind.True;
        return (Encoding.UTF8.GetBytes(vocab.GetRawText()), new UTF8Encoding(false).GetBytes(text.ToString()));
    }

    private static string? Content(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Object when value.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String => c.GetString(),
        _ => null,
    };

    private static JsonDocument? ReadJson(string path)
    {
        if (!File.Exists(path)) return null;
        if (new FileInfo(path).Length > MaxJsonBytes) throw new ArmlModelFormatException($"{path} is larger than {MaxJsonBytes} bytes.");
        try { return JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 32 }); }
        catch (JsonException e) { throw new ArmlModelFormatException($"{path} is not valid JSON: {e.Message}", e); }
    }
}
