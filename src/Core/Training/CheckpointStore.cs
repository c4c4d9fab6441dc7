using System.Text.Json;
using System.Text.Json.Serialization;
using ArML.Persistence;
using ArML.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Training;

/// <summary>
/// One checkpoint file per training folder, replaced atomically: the model's weights, the best weights so far,
/// the optimizer's moments, both random generators, the <see cref="TrainingState"/> and the state of an
/// <see cref="ICheckpointedTrainingTask"/>. A crash while writing
/// leaves the previous checkpoint intact.
/// </summary>
public sealed class CheckpointStore
{
    private const string ModelPrefix = "model.";
    private const string BestPrefix = "best.";
    private const string OptimizerPrefix = "optimizer.";
    private const string TaskPrefix = "task.";
    private const string TorchRandomTensor = "torch_rng";
    private const string StateKey = "arml_training_state";
    // The state holds +∞ (no validation loss yet, or no validation set), which plain JSON numbers cannot express.
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };


    /// <summary>Keeps checkpoints in <paramref name="directory"/> (created when missing).</summary>
    public CheckpointStore(string directory)
    {
        Directory.CreateDirectory(directory);
        Path = System.IO.Path.Combine(directory, "checkpoint.safetensors");
    }

    /// <summary>The checkpoint file.</summary>
    public string Path { get; }

    /// <summary>Writes a checkpoint, replacing the previous one atomically.</summary>
    /// <param name="model">The network.</param>
    /// <param name="optimizer">The optimizer, whose moments are saved.</param>
    /// <param name="state">Where the run stands.</param>
    /// <param name="best">The best weights so far, or null.</param>
    /// <param name="taskState">The training task's own state (<see cref="ICheckpointedTrainingTask"/>), or null.</param>
    public void Save(nn.Module model, FlatAdamW optimizer, TrainingState state, IReadOnlyDictionary<string, Tensor>? best,
        IEnumerable<KeyValuePair<string, TensorData>>? taskState = null)
    {
        var tensors = ModuleWeights.Export(model, ModelPrefix);
        if (best != null) tensors.AddRange(best.Select(kv => KeyValuePair.Create(BestPrefix + kv.Key, kv.Value.ToTensorData())));
        if (taskState != null) tensors.AddRange(taskState.Select(kv => KeyValuePair.Create(TaskPrefix + kv.Key, kv.Value)));
        foreach (var (name, value) in optimizer.State())
            using (value) tensors.Add(KeyValuePair.Create(OptimizerPrefix + name, value.ToTensorData()));
        using (var rng = torch.get_rng_state()) tensors.Add(KeyValuePair.Create(TorchRandomTensor, rng.ToTensorData()));
        var metadata = new Dictionary<string, string> { [StateKey] = JsonSerializer.Serialize(state, Json) };
        AtomicFile.Write(Path, stream => SafeTensorsFormat.Write(stream, tensors, metadata));
    }

    /// <summary>
    /// Restores the checkpoint into <paramref name="model"/> and <paramref name="optimizer"/> when the file exists.
    /// </summary>
    /// <param name="model">Receives the saved weights.</param>
    /// <param name="optimizer">Receives the saved moments.</param>
    /// <param name="fingerprint">The run's fingerprint; a checkpoint of another run is refused.</param>
    /// <param name="state">Where the saved run stood.</param>
    /// <param name="best">The best weights saved, or null.</param>
    /// <param name="taskState">The training task's own state as saved (empty when there was none).</param>
    /// <exception cref="InvalidOperationException">The checkpoint belongs to another model or data.</exception>
    /// <exception cref="ArmlModelFormatException">The file is damaged.</exception>
    public bool TryLoad(nn.Module model, FlatAdamW optimizer, string fingerprint, out TrainingState state, out Dictionary<string, Tensor>? best,
        out Dictionary<string, TensorData> taskState)
    {
        state = new TrainingState();
        best = null;
        taskState = [];
        if (!File.Exists(Path)) return false;
        var content = SafeTensorsFormat.Read(File.ReadAllBytes(Path));
        if (!content.Metadata.TryGetValue(StateKey, out var json))
            throw new ArmlModelFormatException($"Checkpoint {Path} has no training state.");
        state = JsonSerializer.Deserialize<TrainingState>(json, Json) ?? throw new ArmlModelFormatException($"Checkpoint {Path} has an empty training state.");
        if (state.ModelFingerprint != fingerprint)
            throw new InvalidOperationException(
                $"The checkpoint in {System.IO.Path.GetDirectoryName(Path)} was written for another model or data ({state.ModelFingerprint}); " +
                $"this run is {fingerprint}. Use another CheckpointDirectory or set ResumeFromCheckpoint = false.");
        ModuleWeights.Import(model, content.Tensors.Where(kv => kv.Key.StartsWith(ModelPrefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value), ModelPrefix);
        var moments = content.Tensors.Where(kv => kv.Key.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[OptimizerPrefix.Length..], kv => kv.Value.ToTensor());
        try { optimizer.Load(moments); }
        catch (InvalidDataException e) { throw new ArmlModelFormatException($"Checkpoint {Path}: {e.Message}", e); }
        finally { foreach (var t in moments.Values) t.Dispose(); }
        using (var rng = content.Tensors[TorchRandomTensor].ToTensor()) torch.set_rng_state(rng);
        var bestTensors = content.Tensors.Where(kv => kv.Key.StartsWith(BestPrefix, StringComparison.Ordinal)).ToList();
        if (bestTensors.Count > 0)
            best = bestTensors.ToDictionary(kv => kv.Key[BestPrefix.Length..], kv => kv.Value.ToTensor());
        taskState = content.Tensors.Where(kv => kv.Key.StartsWith(TaskPrefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[TaskPrefix.Length..], kv => kv.Value);
        return true;
    }
}
