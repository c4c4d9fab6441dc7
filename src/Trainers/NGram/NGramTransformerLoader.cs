using System.Runtime.InteropServices;
using ArML.Data;
using ArML.Persistence;
using ArML.Text;
using ArML.Trainers.Generation;

namespace ArML.Trainers.NGram;

/// <summary>What a saved n-gram model's config.json holds.</summary>
/// <param name="TokenColumnName">Token column read.</param>
/// <param name="KeyCount">Key count of that column.</param>
/// <param name="Vocabulary">Key values of the column, or null.</param>
/// <param name="Order">Highest order.</param>
/// <param name="Words">Model words (ARPA spellings) by id.</param>
/// <param name="ScoringBatchSize">Rows per scoring batch.</param>
/// <param name="UnseenKeys">The <see cref="UnseenKeyPolicy"/> name; absent in files saved before it existed (they score as &lt;unk&gt;).</param>
internal sealed record NGramModelConfig(string TokenColumnName, int KeyCount, string[]? Vocabulary, int Order, string[] Words, int ScoringBatchSize,
    string? UnseenKeys = null);

/// <summary>
/// Saves and reads an <see cref="NGramTransformer"/>: config.json plus trie.safetensors with, for each order k,
/// "k.logprob" (F32), and below the highest order "k.backoff" (F32) and "k.children" (I32), and above order 1
/// "k.words" (I32). Every invariant is checked on load.
/// </summary>
internal sealed class NGramTransformerLoader : IArmlComponentLoader
{
    /// <summary>The component kind in model files.</summary>
    public const string Kind = "ArML.NGramLanguageModel";

    private const int MaxNumberedKeys = 1 << 20;

    internal static void Save(NGramTransformer transformer, ArmlComponentWriter writer)
    {
        var model = transformer.Model;
        writer.WriteJson("config.json", new NGramModelConfig(transformer.TokenColumnName, transformer.KeyCount, transformer.Vocabulary?.ToArray(),
            model.Order, model.Words.ToArray(), transformer.ScoringBatchSize, transformer.KeyMap.Policy.ToString()));
        var tensors = new List<KeyValuePair<string, TensorData>>();
        for (int k = 1; k <= model.Order; k++)
        {
            var level = model.Level(k);
            if (level.Words != null) tensors.Add(new($"{k}.words", Tensor("I32", level.Words)));
            tensors.Add(new($"{k}.logprob", Tensor("F32", level.LogProbs)));
            if (level.Backoffs != null) tensors.Add(new($"{k}.backoff", Tensor("F32", level.Backoffs)));
            if (level.Children != null) tensors.Add(new($"{k}.children", Tensor("I32", level.Children)));
        }
        writer.WriteTensors("trie.safetensors", tensors);
        TokenCodecStore.Save(transformer.Codec, writer);
        LanguageModelAnomalyScoring.Save(transformer.AnomalyScoring, writer);
    }

    /// <inheritdoc/>
    public Microsoft.ML.ITransformer Load(ArmlComponentReader reader, ArmlLoadContext context)
    {
        ArgumentNullException.ThrowIfNull(reader);
        LayoutVersions.Require(reader, LayoutVersions.NGramLanguageModel, "N-gram model");
        var config = reader.ReadJson<NGramModelConfig>("config.json");
        if (string.IsNullOrEmpty(config.TokenColumnName) || config.KeyCount < 1 || config.Order < 1 || config.Words is null
            || config.ScoringBatchSize < 1 || (config.Vocabulary != null && config.Vocabulary.Length != config.KeyCount))
            throw new ArmlModelFormatException("The n-gram model's config.json is incomplete or inconsistent.");
        var unseenKeys = UnseenKeyPolicy.ScoreAsUnknown;
        if (config.UnseenKeys != null && (!Enum.TryParse(config.UnseenKeys, ignoreCase: false, out unseenKeys) || !Enum.IsDefined(unseenKeys)))
            throw new ArmlModelFormatException($"The n-gram model's config.json names the unknown policy '{config.UnseenKeys}'.");
        // Keys without values are spelled as numbers, one string each: nothing else in the file bounds their count.
        if (config.Vocabulary is null && config.KeyCount > MaxNumberedKeys)
            throw new ArmlModelFormatException(
                $"The n-gram model's config.json declares key count {config.KeyCount} without key values, above the {MaxNumberedKeys} ArML accepts.");
        var tensors = reader.ReadTensors("trie.safetensors");
        var levels = new NGramLevel[config.Order];
        for (int k = 1; k <= config.Order; k++)
        {
            bool highest = k == config.Order;
            levels[k - 1] = new NGramLevel(
                k == 1 ? null : Read<int>(tensors, $"{k}.words", "I32"),
                Read<float>(tensors, $"{k}.logprob", "F32"),
                highest ? null : Read<float>(tensors, $"{k}.backoff", "F32"),
                highest ? null : Read<int>(tensors, $"{k}.children", "I32"));
        }
        var codec = TokenCodecStore.Load(reader, config.KeyCount);   // its own errors name the codec, not the trie
        var anomaly = LanguageModelAnomalyScoring.Load(reader);
        try
        {
            var model = new NGramLanguageModel(config.Words, levels);
            return new NGramTransformer(config.TokenColumnName, config.KeyCount, config.Vocabulary, model, config.ScoringBatchSize,
                codec, unseenKeys, anomaly, GenerationSeedSource.Draw(context.SeedContext));
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            throw new ArmlModelFormatException("The saved n-gram model's trie.safetensors is inconsistent: " + e.Message, e);
        }
    }

    private static TensorData Tensor<T>(string dtype, T[] values) where T : struct =>
        new(dtype, [values.Length], MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    private static T[] Read<T>(IReadOnlyDictionary<string, TensorData> tensors, string name, string dtype) where T : struct
    {
        if (!tensors.TryGetValue(name, out var tensor))
            throw new ArmlModelFormatException($"The n-gram model's trie lacks tensor '{name}'.");
        if (tensor.DType != dtype || tensor.Shape.Length != 1)
            throw new ArmlModelFormatException($"Tensor '{name}' must be a vector of {dtype}, but is {tensor.DType} of shape [{string.Join(", ", tensor.Shape)}].");
        return MemoryMarshal.Cast<byte, T>(tensor.Data).ToArray();
    }
}
