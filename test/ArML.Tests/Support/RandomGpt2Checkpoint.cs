using System.Text;
using System.Text.Json;
using ArML.Persistence;
using ArML.Transforms.Text.Encodings;

namespace ArML.Tests.Support;

/// <summary>
/// Writes a random GPT-2 checkpoint directory as transformers lays it out (config.json, safetensors in Conv1D layout,
/// vocab.json + merges.txt), with layer norms and biases far from their defaults, so a tensor read into the wrong
/// slot or with the wrong layout changes the scores. The tokenizer has the 256 byte tokens and no merges, with
/// &lt;|endoftext|&gt; placed among them (id <see cref="EndOfText"/>), so a text's ids follow from its UTF-8 bytes.
/// </summary>
internal sealed class RandomGpt2Checkpoint
{
    public const int EndOfText = 100;
    public const int Vocabulary = 257;

    public int Layers { get; init; } = 2;
    public int Heads { get; init; } = 2;
    public int Width { get; init; } = 16;
    public int Positions { get; init; } = 24;
    public int? Inner { get; init; }
    public string Activation { get; init; } = "gelu_new";
    public double Epsilon { get; init; } = 1e-5;
    public bool Tied { get; init; } = true;
    public bool Prefix { get; init; } = true;
    public string DType { get; init; } = "F32";
    public int Shards { get; init; } = 1;
    public bool AttentionBuffers { get; init; }
    public int Seed { get; init; } = 1;

    /// <summary>The tensors as written (values already rounded to <see cref="DType"/>), by Hugging Face name without prefix.</summary>
    public Dictionary<string, double[]> Values { get; } = new(StringComparer.Ordinal);

    /// <summary>The id of byte <paramref name="b"/> in this tokenizer.</summary>
    public static int IdOfByte(byte b) => b < EndOfText ? b : b + 1;

    /// <summary>The ids of <paramref name="text"/>: one per UTF-8 byte.</summary>
    public static int[] Ids(string text) => Encoding.UTF8.GetBytes(text).Select(IdOfByte).ToArray();

    /// <summary>A float64 reference over the written values.</summary>
    public Gpt2Reference Reference() => new(name => Values.GetValueOrDefault(name), Layers, Heads, Width, Activation, Epsilon);

    public string Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var random = new Random(Seed);
        int c = Width, inner = Inner ?? 4 * Width;
        var tensors = new List<(string Name, long[] Shape)> { ("wte.weight", [Vocabulary, c]), ("wpe.weight", [Positions, c]) };
        for (int i = 0; i < Layers; i++)
        {
            string h = $"h.{i}.";
            tensors.AddRange([(h + "ln_1.weight", [c]), (h + "ln_1.bias", [c]), (h + "attn.c_attn.weight", [c, 3 * c]), (h + "attn.c_attn.bias", [3 * c]),
                (h + "attn.c_proj.weight", [c, c]), (h + "attn.c_proj.bias", [c]), (h + "ln_2.weight", [c]), (h + "ln_2.bias", [c]),
                (h + "mlp.c_fc.weight", [c, inner]), (h + "mlp.c_fc.bias", [inner]), (h + "mlp.c_proj.weight", [inner, c]), (h + "mlp.c_proj.bias", [c])]);
        }
        tensors.AddRange([("ln_f.weight", [c]), ("ln_f.bias", [c])]);
        if (!Tied) tensors.Add(("lm_head.weight", [Vocabulary, c]));
        var data = new List<KeyValuePair<string, TensorData>>();
        foreach (var (name, shape) in tensors)
        {
            long count = shape.Aggregate(1L, (a, b) => a * b);
            double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            var values = new double[count];
            bool norm = name.Contains("ln_", StringComparison.Ordinal) && name.EndsWith(".weight", StringComparison.Ordinal);
            for (long k = 0; k < count; k++) values[k] = norm ? 1 + 0.3 * Gaussian() : name.EndsWith(".bias", StringComparison.Ordinal) ? 0.2 * Gaussian() : 0.35 * Gaussian();
            var (bytes, rounded) = Encode(values);
            Values[name] = rounded;
            string stored = name.StartsWith("lm_head", StringComparison.Ordinal) || !Prefix ? name : "transformer." + name;
            data.Add(KeyValuePair.Create(stored, new TensorData(DType, shape, bytes)));
        }
        if (AttentionBuffers)
            for (int i = 0; i < Layers; i++)
            {
                string h = (Prefix ? "transformer." : "") + $"h.{i}.attn.";
                data.Add(KeyValuePair.Create(h + "bias", new TensorData("U8", [1, 1, Positions, Positions], new byte[Positions * Positions])));
                data.Add(KeyValuePair.Create(h + "masked_bias", new TensorData("F32", [], BitConverter.GetBytes(-1e4f))));
            }
        WriteWeights(directory, data);
        WriteConfig(directory);
        WriteTokenizer(directory);
        return directory;
    }

    private (byte[] Bytes, double[] Rounded) Encode(double[] values)
    {
        var rounded = new double[values.Length];
        switch (DType)
        {
            case "F32":
            {
                var f = values.Select(v => (float)v).ToArray();
                for (int i = 0; i < f.Length; i++) rounded[i] = f[i];
                return (f.SelectMany(BitConverter.GetBytes).ToArray(), rounded);
            }
            case "F16":
            {
                var h = values.Select(v => (Half)v).ToArray();
                for (int i = 0; i < h.Length; i++) rounded[i] = (double)h[i];
                return (h.SelectMany(BitConverter.GetBytes).ToArray(), rounded);
            }
            case "BF16":
            {
                var bytes = new byte[values.Length * 2];
                for (int i = 0; i < values.Length; i++)
                {
                    uint bits = BitConverter.SingleToUInt32Bits((float)values[i]) & 0xFFFF0000u;   // truncated to bfloat16
                    rounded[i] = BitConverter.UInt32BitsToSingle(bits);
                    BitConverter.TryWriteBytes(bytes.AsSpan(2 * i), (ushort)(bits >> 16));
                }
                return (bytes, rounded);
            }
            default: throw new ArgumentException(DType);
        }
    }

    private void WriteWeights(string directory, List<KeyValuePair<string, TensorData>> data)
    {
        if (Shards == 1)
        {
            File.WriteAllBytes(Path.Combine(directory, "model.safetensors"), SafeTensorsFormat.ToBytes(data));
            return;
        }
        var map = new Dictionary<string, string>();
        for (int s = 0; s < Shards; s++)
        {
            string file = $"model-{s + 1:00000}-of-{Shards:00000}.safetensors";
            var part = data.Where((_, i) => i % Shards == s).ToList();
            foreach (var (name, _) in part) map[name] = file;
            File.WriteAllBytes(Path.Combine(directory, file), SafeTensorsFormat.ToBytes(part));
        }
        File.WriteAllText(Path.Combine(directory, "model.safetensors.index.json"),
            JsonSerializer.Serialize(new Dictionary<string, object> { ["metadata"] = new { total_size = 0 }, ["weight_map"] = map }));
    }

    private void WriteConfig(string directory)
    {
        var config = new Dictionary<string, object?>
        {
            ["model_type"] = "gpt2", ["architectures"] = new[] { "GPT2LMHeadModel" }, ["vocab_size"] = Vocabulary, ["n_positions"] = Positions,
            ["n_embd"] = Width, ["n_layer"] = Layers, ["n_head"] = Heads, ["n_inner"] = Inner, ["activation_function"] = Activation,
            ["layer_norm_epsilon"] = Epsilon, ["bos_token_id"] = EndOfText, ["eos_token_id"] = EndOfText,
            ["resid_pdrop"] = 0.1, ["scale_attn_weights"] = true, ["hidden_act"] = "relu", ["intermediate_size"] = 7,
        };
        if (!Tied) config["tie_word_embeddings"] = false;
        File.WriteAllText(Path.Combine(directory, "config.json"), JsonSerializer.Serialize(config));
    }

    private static void WriteTokenizer(string directory)
    {
        var vocab = new Dictionary<string, int>();
        for (int b = 0; b < 256; b++) vocab[ByteLevelAlphabet.Encode([(byte)b])] = IdOfByte((byte)b);
        vocab["<|endoftext|>"] = EndOfText;
        File.WriteAllText(Path.Combine(directory, "vocab.json"), JsonSerializer.Serialize(vocab));
        File.WriteAllText(Path.Combine(directory, "merges.txt"), "#version: 0.2\n");
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"),
            """{"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>", "tokenizer_class": "GPT2Tokenizer"}""");
    }
}
