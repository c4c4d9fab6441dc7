using System.Text.Json;
using System.Text.Json.Serialization;
using ArML.Persistence;
using ArML.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ArML.Training;

/// <summary>
/// One checkpoint file per training folder, replaced atomically: the model's weights, the best weights so far,
/// the optimizer's moments, both random generators and the <see cref="TrainingState"/>. A crash while writing
/// leaves the previous checkpoint intact.
/// </summary>
public sealed class CheckpointStore
{
    private const string ModelPrefix = "model.";
    private const string BestPrefix = "best.";
    private const string OptimizerTensor = "optimizer";
    private const string TorchRandomTensor = "torch_rng";
    private const string StateKey = "arml_training_state";

    // The state holds +∞ (no validation loss yet, or no validation set), which plain JSON numbers cannot express.
    private static readonly JsonSerializerOptions StateJson = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Keeps checkpoints in <paramref name="directory"/> (created when missing).</summary>
    public CheckpointStore(string directory)
    {
        Directory.CreateDirectory(directory);
        Path = System.IO.Path.Combine(directory, "checkpoint.safetensors");
    }

    /// <summary>The checkpoint file.</summary>
    public string Path { get; }

    /// <summary>Writes a checkpoint, replacing the previous one atomically.</summary>
    public void Save(nn.Module model, OptimizerHelper optimizer, TrainingState state, IReadOnlyDictionary<string, Tensor>? best)
    {
        var tensors = ModuleWeights.Export(model, ModelPrefix);
        if (best != null) tensors.AddRange(best.Select(kv => KeyValuePair.Create(BestPrefix + kv.Key, kv.Value.ToTensorData())));
        using (var buffer = new MemoryStream())
        {
            using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) optimizer.save_state_dict(writer);
            tensors.Add(KeyValuePair.Create(OptimizerTensor, new TensorData("U8", [buffer.Length], buffer.ToArray())));
        }
        using (var rng = torch.get_rng_state()) tensors.Add(KeyValuePair.Create(TorchRandomTensor, rng.ToTensorData()));
        var metadata = new Dictionary<string, string> { [StateKey] = JsonSerializer.Serialize(state, StateJson) };
        AtomicFile.Write(Path, stream => SafeTensorsFormat.Write(stream, tensors, metadata));
    }

    /// <summary>
    /// Restores the checkpoint into <paramref name="model"/> and <paramref name="optimizer"/> when the file exists.
    /// </summary>
    /// <exception cref="InvalidOperationException">The checkpoint belongs to another model or data.</exception>
    /// <exception cref="ArmlModelFormatException">The file is damaged.</exception>
    public bool TryLoad(nn.Module model, OptimizerHelper optimizer, string fingerprint, out TrainingState state, out Dictionary<string, Tensor>? best)
    {
        state = new TrainingState();
        best = null;
        if (!File.Exists(Path)) return false;
        var content = SafeTensorsFormat.Read(File.ReadAllBytes(Path));
        if (!content.Metadata.TryGetValue(StateKey, out var json))
            throw new ArmlModelFormatException($"Checkpoint {Path} has no training state.");
        state = JsonSerializer.Deserialize<TrainingState>(json, StateJson) ?? throw new ArmlModelFormatException($"Checkpoint {Path} has an empty training state.");
        if (state.ModelFingerprint != fingerprint)
            throw new InvalidOperationException(
                $"The checkpoint in {System.IO.Path.GetDirectoryName(Path)} was written for another model or data ({state.ModelFingerprint}); " +
                $"this run is {fingerprint}. Use another CheckpointDirectory or set ResumeFromCheckpoint = false.");
        ModuleWeights.Import(model, content.Tensors.Where(kv => kv.Key.StartsWith(ModelPrefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value), ModelPrefix);
        using (var reader = new BinaryReader(new MemoryStream(content.Tensors[OptimizerTensor].Data))) optimizer.load_state_dict(reader);
        using (var rng = content.Tensors[TorchRandomTensor].ToTensor()) torch.set_rng_state(rng);
        var bestTensors = content.Tensors.Where(kv => kv.Key.StartsWith(BestPrefix, StringComparison.Ordinal)).ToList();
        if (bestTensors.Count > 0)
            best = bestTensors.ToDictionary(kv => kv.Key[BestPrefix.Length..], kv => kv.Value.ToTensor());
        return true;
    }
}
