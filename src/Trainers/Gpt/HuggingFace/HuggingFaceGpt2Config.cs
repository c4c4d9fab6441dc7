using System.Text.Json;
using ArML.Persistence;

namespace ArML.Trainers.Gpt.HuggingFace;

/// <summary>
/// What ArML takes from a Hugging Face GPT-2 config.json (model_type "gpt2", as transformers writes it for
/// GPT2LMHeadModel), checked field by field: a value ArML cannot compute the same way is refused, naming the field.
/// Keys GPT-2 itself ignores (the legacy hidden_act, intermediate_size) and training-only keys (dropouts,
/// initializer_range, summary_*) are ignored too.
/// </summary>
/// <param name="Model">The network's shape (dropout 0, biases, learned positions).</param>
/// <param name="EndOfTextId">eos_token_id: the id that begins and ends every row, or null when the config names none.</param>
internal sealed record HuggingFaceGpt2Config(GptConfig Model, int? EndOfTextId)
{
    internal const string FileName = "config.json";
    private const int MaxBytes = 1 << 20;

    /// <summary>GPT-2's activation names: gelu_new, gelu_pytorch_tanh and gelu_fast are the same tanh approximation.</summary>
    internal static readonly IReadOnlyDictionary<string, GptActivation> Activations = new Dictionary<string, GptActivation>(StringComparer.Ordinal)
    {
        ["gelu_new"] = GptActivation.GeluTanh, ["gelu_pytorch_tanh"] = GptActivation.GeluTanh, ["gelu_fast"] = GptActivation.GeluTanh,
        ["gelu"] = GptActivation.Gelu, ["relu"] = GptActivation.Relu,
    };

    /// <exception cref="ArmlModelFormatException">The file is missing, malformed, not GPT-2, or holds a value ArML cannot express; the message names the field.</exception>
    internal static HuggingFaceGpt2Config Read(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) throw new ArmlModelFormatException($"'{directory}' has no {FileName}: it is not a Hugging Face model directory.");
        var info = new FileInfo(path);
        if (info.Length > MaxBytes) throw new ArmlModelFormatException($"{path} is {info.Length} bytes, more than a model configuration holds.");
        JsonDocument document;
        try { document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 16 }); }
        catch (JsonException e) { throw new ArmlModelFormatException($"{path} is not valid JSON: {e.Message}", e); }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new ArmlModelFormatException($"{path} is not a JSON object.");
            var fields = new Fields(root, path);
            string modelType = fields.String("model_type") ?? throw fields.Missing("model_type");
            if (modelType != "gpt2")
                throw new ArmlModelFormatException($"{path}: model_type is '{modelType}'; ArML imports only 'gpt2' (GPT2LMHeadModel).");
            int vocabulary = fields.Positive("vocab_size");
            int positions = fields.Int("n_positions") ?? fields.Int("n_ctx") ?? throw fields.Missing("n_positions");
            int width = fields.Positive("n_embd"), layers = fields.Positive("n_layer"), heads = fields.Positive("n_head");
            if (positions < 1) throw fields.Bad("n_positions", positions, "must be positive");
            if (width % heads != 0) throw fields.Bad("n_embd", width, $"must be a multiple of n_head ({heads})");
            int? inner = fields.Int("n_inner");
            if (inner < 1) throw fields.Bad("n_inner", inner, "must be positive or null");
            string activation = fields.String("activation_function") ?? "gelu_new";
            if (!Activations.TryGetValue(activation, out var act))
                throw fields.Bad("activation_function", activation, $"is not one ArML computes ({string.Join(", ", Activations.Keys)})");
            double epsilon = fields.Double("layer_norm_epsilon") ?? 1e-5;
            if (!(epsilon > 0 && double.IsFinite(epsilon))) throw fields.Bad("layer_norm_epsilon", epsilon, "must be positive");
            bool tied = fields.Bool("tie_word_embeddings") ?? true;
            if (fields.Bool("scale_attn_weights") == false)
                throw fields.Bad("scale_attn_weights", false, "is not supported: ArML's attention always divides by √(head size)");
            if (fields.Bool("scale_attn_by_inverse_layer_idx") == true)
                throw fields.Bad("scale_attn_by_inverse_layer_idx", true, "is not supported");
            if (fields.Bool("add_cross_attention") == true)
                throw fields.Bad("add_cross_attention", true, "is not supported: ArML's GPT is decoder-only");
            int? eos = fields.Int("eos_token_id");
            int? bos = fields.Int("bos_token_id");
            if (eos is int e && (e < 0 || e >= vocabulary)) throw fields.Bad("eos_token_id", e, $"is outside the vocabulary (0..{vocabulary - 1})");
            if (bos is int b && eos is int e2 && b != e2)
                throw fields.Bad("bos_token_id", b, $"differs from eos_token_id ({e2}); ArML frames every row with one end-of-text id, as GPT-2 does");
            var model = new GptConfig(vocabulary, positions, layers, heads, width, Dropout: 0, Bias: true, PositionEncoding.Learned,
                act, epsilon, inner, tied);
            return new HuggingFaceGpt2Config(model, eos ?? bos);
        }
    }

    private sealed class Fields(JsonElement root, string path)
    {
        private JsonElement? Get(string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

        public string? String(string name) => Get(name) is { } v
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : throw Bad(name, v.GetRawText(), "must be a string") : null;

        public int? Int(string name) => Get(name) is { } v
            ? v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : throw Bad(name, v.GetRawText(), "must be an integer") : null;

        public int Positive(string name)
        {
            int value = Int(name) ?? throw Missing(name);
            return value >= 1 ? value : throw Bad(name, value, "must be positive");
        }

        public double? Double(string name) => Get(name) is { } v
            ? v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Bad(name, v.GetRawText(), "must be a number") : null;

        public bool? Bool(string name) => Get(name) is { } v
            ? v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw Bad(name, v.GetRawText(), "must be true or false") : null;

        public ArmlModelFormatException Missing(string name) => new($"{path} lacks '{name}', which a GPT-2 configuration needs.");

        public ArmlModelFormatException Bad(string name, object? value, string problem) => new($"{path}: '{name}' = {value} {problem}.");
    }
}
