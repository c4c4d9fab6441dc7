using ArML.Text;
using ArML.Data;
using ArML.Persistence;
using ArML.Torch;
using TorchSharp;
using static TorchSharp.torch;
using ArML.Trainers.Generation;

namespace ArML.Trainers.Stateful;

/// <summary>
/// Reading back what every stateful family saves the same way (<see cref="StatefulModelFile{TConfig}"/> and the
/// weights): checks, the network rebuilt on the load context's device, the transformer around it.
/// </summary>
internal static class StatefulModelLoader
{
    /// <summary>Loads layout version 1 or 2 (which adds the compact vocabulary) of a stateful family.</summary>
    /// <param name="reader">The component's files.</param>
    /// <param name="context">Device settings.</param>
    /// <param name="family">Named in error messages.</param>
    /// <param name="fits">Whether a network shape is valid for a vocabulary of the given size.</param>
    /// <param name="expected">The tensors a network of a shape has, checked against the file before the network is built.</param>
    /// <param name="build">Builds a network of a shape.</param>
    /// <param name="wrap">Wraps the loaded network as a language model.</param>
    /// <exception cref="ArmlModelFormatException">The files are incomplete, inconsistent or of another version.</exception>
    public static LanguageModelTransformer Load<TConfig, TNetwork>(ArmlComponentReader reader, ArmlLoadContext context, string family,
        Func<TConfig, int, bool> fits, Func<TConfig, IEnumerable<TensorSpec>> expected, Func<TConfig, TNetwork> build, Func<TNetwork, TokenIdLayout, Device, IAutoregressiveScorer> wrap)
        where TNetwork : nn.Module
    {
        LayoutVersions.Require(reader, LayoutVersions.StatefulLanguageModel, family);
        var file = reader.ReadJson<StatefulModelFile<TConfig>>("config.json");
        var ids = file?.Ids;
        if (file is null || ids is null || file.Model is null || file.Columns is null || string.IsNullOrEmpty(file.Columns.TokenColumnName)
            || file.Columns.ConditionColumnName != null || ids.TokenKeyCount < 1 || ids.ConditionKeyCount != 0 || !fits(file.Model, ids.Size)
            || file.ScoringBatchSize < 1 || (ids.HasUnknown && reader.KindVersion < 2))
            throw new ArmlModelFormatException($"The {family}'s config.json is incomplete or inconsistent.");
        var keyMap = TokenKeyMapFile.Read(reader, ids.TokenKeyCount, ids.HasUnknown);
        if (file.Tokens != null && file.Tokens.Length != keyMap.ColumnKeyCount)
            throw new ArmlModelFormatException($"The {family}'s config.json holds {file.Tokens.Length} key values for a column of {keyMap.ColumnKeyCount} keys.");
        // Read before the network is built, so a bad codec cannot leave native weights behind.
        var codec = TokenCodecStore.Load(reader, keyMap.ColumnKeyCount);
        var anomaly = LanguageModelAnomalyScoring.Load(reader);
        var weights = reader.ReadTensors("weights.safetensors");
        SavedTensors.Require(weights, expected(file.Model), $"The {family}'s weights.safetensors");
        var device = TorchRuntime.SelectDevice(context.GpuDeviceId, context.FallbackToCpu);
        TorchRuntime.EnsureInitialized();
        var network = build(file.Model);
        try
        {
            ModuleWeights.Import(network, weights);
            network.to(device);
        }
        catch
        {
            network.Dispose();
            throw;
        }
        return new LanguageModelTransformer(wrap(network, ids, device), file.Columns, file.Tokens, file.ScoringBatchSize, int.MaxValue, keyMap,
            codec, anomalyScoring: anomaly, shortcutSeeds: GenerationSeedSource.Draw(context.SeedContext));
    }
}
