using ArML.Text;
using ArML.Data;
using ArML.Persistence;
using ArML.Torch;
using TorchSharp;
using ArML.Trainers.Generation;

namespace ArML.Trainers.Gpt;

/// <summary>What a saved GPT language model's config.json holds.</summary>
/// <param name="Columns">Columns read and written.</param>
/// <param name="Ids">The model's id layout.</param>
/// <param name="Tokens">Key values of the token column, or null.</param>
/// <param name="Model">Network shape.</param>
/// <param name="ScoringBatchSize">Rows per scoring pass.</param>
/// <param name="ScoringStride">Sliding-window step.</param>
/// <param name="Adapter">The low-rank adapters' settings (layout version 4), or null for a model without adapters.</param>
internal sealed record GptLanguageModelConfig(LanguageModelColumns Columns, TokenIdLayout Ids, string[]? Tokens, GptConfig Model,
    int ScoringBatchSize, int ScoringStride, LoraConfig? Adapter = null);

/// <summary>Reads a <see cref="LanguageModelTransformer"/> saved by <c>SaveArml</c>.</summary>
internal sealed class GptLanguageModelLoader : IArmlComponentLoader
{
    // Rotary models keep no position table, so nothing in the file bounds their context; the KV cache of generation
    // grows with it.
    private const int MaxContextLength = 1 << 20;

    /// <summary>The entry holding an adapted model's adapters (layout version 4).</summary>
    internal const string AdaptersEntry = "adapters.safetensors";

    /// <summary>The state dict a <see cref="GptModel"/> of shape <paramref name="m"/> has, in nanoGPT's names (all F32).</summary>
    internal static IEnumerable<TensorSpec> ExpectedTensors(GptConfig m)
    {
        long c = m.EmbeddingSize;
        TensorSpec F32(string name, params long[] shape) => new(name, "F32", shape);
        IEnumerable<TensorSpec> Linear(string name, long input, long output) =>
            m.Bias ? [F32(name + ".weight", output, input), F32(name + ".bias", output)] : [F32(name + ".weight", output, input)];
        IEnumerable<TensorSpec> Norm(string name) => m.Bias ? [F32(name + ".weight", c), F32(name + ".bias", c)] : [F32(name + ".weight", c)];

        yield return F32("wte.weight", m.VocabularySize, c);
        if (m.PositionEncoding == PositionEncoding.Learned) yield return F32("wpe.weight", m.ContextLength, c);
        for (int i = 0; i < m.LayerCount; i++)
        {
            string h = $"h.{i}.";
            foreach (var spec in Norm(h + "ln_1")
                .Concat(Linear(h + "attn.c_attn", c, 3 * c)).Concat(Linear(h + "attn.c_proj", c, c))
                .Concat(Norm(h + "ln_2"))
                .Concat(Linear(h + "mlp.c_fc", c, m.MlpWidth)).Concat(Linear(h + "mlp.c_proj", m.MlpWidth, c)))
                yield return spec;
        }
        foreach (var spec in Norm("ln_f")) yield return spec;
        if (!m.TiedHead) yield return F32("lm_head.weight", m.VocabularySize, c);
    }

    /// <inheritdoc/>
    public Microsoft.ML.ITransformer Load(ArmlComponentReader reader, ArmlLoadContext context)
    {
        // Version 2 adds the compact vocabulary (token-keys.json); version 1 files read keys one to one.
        // Version 3 adds the activation, epsilon, MLP width and separate head of imported checkpoints.
        LayoutVersions.Require(reader, LayoutVersions.GptLanguageModel, "GPT language model");
        var config = reader.ReadJson<GptLanguageModelConfig>("config.json");
        var m = config?.Model;
        var ids = config?.Ids;
        if (config is null || m is null || ids is null || config.Columns is null || string.IsNullOrEmpty(config.Columns.TokenColumnName)
            || ids.TokenKeyCount < 1 || ids.ConditionKeyCount < 0 || m.VocabularySize != ids.Size
            || (ids.ConditionKeyCount > 0) != (config.Columns.ConditionColumnName != null)
            || m.ContextLength < 1 || m.LayerCount < 1 || m.HeadCount < 1 || m.EmbeddingSize < 1 || m.EmbeddingSize % m.HeadCount != 0
            || m.Dropout is < 0 or >= 1 || config.ScoringBatchSize < 1 || config.ScoringStride < 1 || config.ScoringStride > m.ContextLength
            || (ids.HasUnknown && reader.KindVersion < 2))
            throw new ArmlModelFormatException("The GPT language model's config.json is incomplete or inconsistent.");
        var keyMap = TokenKeyMapFile.Read(reader, ids.TokenKeyCount, ids.HasUnknown);
        if (config.Tokens != null && config.Tokens.Length != keyMap.ColumnKeyCount)
            throw new ArmlModelFormatException(
                $"The GPT language model's config.json holds {config.Tokens.Length} key values for a column of {keyMap.ColumnKeyCount} keys.");
        if (!Enum.IsDefined(m.PositionEncoding))
            throw new ArmlModelFormatException($"The GPT language model's config.json names an unknown position encoding {m.PositionEncoding}.");
        if (!Enum.IsDefined(m.Activation))
            throw new ArmlModelFormatException($"The GPT language model's config.json names an unknown activation {m.Activation}.");
        if (!(m.LayerNormEpsilon > 0 && double.IsFinite(m.LayerNormEpsilon)) || m.InnerSize < 1)
            throw new ArmlModelFormatException(
                $"The GPT language model's config.json has layer-norm epsilon {m.LayerNormEpsilon} and MLP width {m.InnerSize}; both must be positive.");
        if (m.ContextLength > MaxContextLength)
            throw new ArmlModelFormatException($"The GPT language model's config.json declares a context length of {m.ContextLength}, above the {MaxContextLength} ArML supports.");
        // Read before the network is built, so a bad codec cannot leave native weights behind.
        var codec = TokenCodecStore.Load(reader, keyMap.ColumnKeyCount);
        var anomaly = LanguageModelAnomalyScoring.Load(reader);
        var weights = reader.ReadTensors("weights.safetensors");
        // Checked before the model is built, so the config cannot make ArML allocate more than the file holds.
        SavedTensors.Require(weights, ExpectedTensors(m), "The GPT language model's weights.safetensors");
        var adapters = ReadAdapters(reader, config);
        var device = TorchRuntime.SelectDevice(context.GpuDeviceId, context.FallbackToCpu);
        var model = new GptModel(m, seed: 0, initialize: false);   // every parameter is read from the file below
        try
        {
            if (config.Adapter != null)
            {
                model.AddAdapters(config.Adapter, seed: 0);
                weights = weights.Concat(adapters!).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            }
            ModuleWeights.Import(model, weights);
            model.to(device);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return new LanguageModelTransformer(new GptLanguageModel(model, ids, device), config.Columns, config.Tokens,
            config.ScoringBatchSize, config.ScoringStride, keyMap, codec, anomalyScoring: anomaly, shortcutSeeds: GenerationSeedSource.Draw(context.SeedContext));
    }

    // The adapters of a version-4 model that has them, checked against its config; null for a model without.
    private static IReadOnlyDictionary<string, TensorData>? ReadAdapters(ArmlComponentReader reader, GptLanguageModelConfig config)
    {
        if (config.Adapter is not LoraConfig adapter)
        {
            if (reader.Contains(AdaptersEntry))
                throw new ArmlModelFormatException($"The GPT language model holds {AdaptersEntry} but its config.json declares no adapter.");
            return null;
        }
        if (reader.KindVersion < 4)
            throw new ArmlModelFormatException($"The GPT language model's config.json declares an adapter, which layout version {reader.KindVersion} cannot hold.");
        adapter.Check(message => new ArmlModelFormatException($"The GPT language model's config.json: {message}"));
        if (!reader.Contains(AdaptersEntry))
            throw new ArmlModelFormatException($"The GPT language model's config.json declares an adapter but the file lacks {AdaptersEntry}.");
        var tensors = reader.ReadTensors(AdaptersEntry);
        SavedTensors.Require(tensors, GptModel.ExpectedAdapterTensors(config.Model, adapter), "The GPT language model's " + AdaptersEntry);
        return tensors;
    }
}
