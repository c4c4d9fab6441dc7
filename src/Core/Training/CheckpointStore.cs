using System.Text.Json;
using ArML.Persistence;
using ArML.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Training;

/// <summary>
/// One checkpoint file per training folder, replaced atomically: the model's weights, the best weights so far,
/// the optimizer's moments, both random generators, the <see cref="TrainingState"/>, the state of an
/// <see cref="ICheckpointedTrainingTask"/> and the run's <see cref="TrainingFingerprint"/>. A crash while writing
/// leaves the previous checkpoint intact.
/// </summary>
/// <remarks>
/// The file carries a format version and a SHA-256 checksum (<see cref="CheckpointFile"/>). Resuming checks, before
/// anything is restored, that the checksum holds, that the checkpoint belongs to this run (its fingerprint), and that
/// every tensor the run needs is present with the right dtype and size and finite values; a failure names the file
/// and what is wrong.
/// </remarks>
internal sealed class CheckpointStore
{
    private const string ModelPrefix = "model.";
    private const string BestPrefix = "best.";
    private const string OptimizerPrefix = "optimizer.";
    private const string TaskPrefix = "task.";
    private const string TorchRandomTensor = "torch_rng";
    private const string StateKey = "arml_training_state";
    private const string FingerprintKey = "arml_fingerprint";
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
    /// <param name="fingerprint">What the run is; resuming requires the same.</param>
    /// <param name="best">The best weights so far, or null.</param>
    /// <param name="taskState">The training task's own state (<see cref="ICheckpointedTrainingTask"/>), or null.</param>
    public void Save(nn.Module model, FlatAdamW optimizer, TrainingState state, TrainingFingerprint fingerprint, IReadOnlyDictionary<string, Tensor>? best,
        IEnumerable<KeyValuePair<string, TensorData>>? taskState = null)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        var tensors = ModuleWeights.Export(model, ModelPrefix);
        if (best != null) tensors.AddRange(best.Select(kv => KeyValuePair.Create(BestPrefix + kv.Key, kv.Value.ToTensorData())));
        if (taskState != null) tensors.AddRange(taskState.Select(kv => KeyValuePair.Create(TaskPrefix + kv.Key, kv.Value)));
        foreach (var (name, value) in optimizer.State())
            using (value) tensors.Add(KeyValuePair.Create(OptimizerPrefix + name, value.ToTensorData()));
        using (var rng = torch.get_rng_state()) tensors.Add(KeyValuePair.Create(TorchRandomTensor, rng.ToTensorData()));
        var metadata = new Dictionary<string, string>
        {
            [StateKey] = JsonSerializer.Serialize(state, Json),
            [FingerprintKey] = fingerprint.ToString(),
        };
        CheckpointFile.Write(Path, tensors, metadata);
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
    /// <exception cref="InvalidOperationException">The checkpoint belongs to another run; the message names the parts that differ.</exception>
    /// <exception cref="ArmlModelFormatException">The file is damaged, of another format version, or lacks or misshapes a tensor (named).</exception>
    public bool TryLoad(nn.Module model, FlatAdamW optimizer, TrainingFingerprint fingerprint, out TrainingState state, out Dictionary<string, Tensor>? best,
        out Dictionary<string, TensorData> taskState)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        state = new TrainingState();
        best = null;
        taskState = [];
        if (!File.Exists(Path)) return false;
        var content = CheckpointFile.Read(Path);
        var saved = content.Metadata.TryGetValue(FingerprintKey, out var json) ? TrainingFingerprint.ParseParts(json) : null;
        if (saved == null) throw Damaged("it has no readable run fingerprint");
        var differences = fingerprint.Differences(saved);
        if (differences.Count > 0)
            throw new InvalidOperationException(
                $"Checkpoint {Path} was written by another training run; what differs — {string.Join("; ", differences)}. {CheckpointFile.Advice}");
        state = ReadState(content);

        var unknown = content.Tensors.Keys.FirstOrDefault(k => k != TorchRandomTensor && !new[] { ModelPrefix, BestPrefix, OptimizerPrefix, TaskPrefix }
            .Any(p => k.StartsWith(p, StringComparison.Ordinal)));
        if (unknown != null) throw Damaged($"tensor '{unknown}' belongs to no part of a checkpoint");
        var weights = model.state_dict();
        CheckWeights(content, ModelPrefix, weights, required: true);
        bool hasBest = CheckWeights(content, BestPrefix, weights, required: false);
        var rng = Require(content, TorchRandomTensor);
        using (var current = torch.get_rng_state())
            if (rng.DType != "U8" || !rng.Shape.SequenceEqual(current.shape))
                throw Damaged($"tensor '{TorchRandomTensor}' is {rng.DType} [{string.Join(", ", rng.Shape)}], not the U8 [{string.Join(", ", current.shape)}] random generator state");

        var moments = Part(content, OptimizerPrefix).ToDictionary(kv => kv.Key, kv => kv.Value.ToTensor());
        try { optimizer.Load(moments, OptimizerPrefix); }
        catch (InvalidDataException e) { throw Damaged(e.Message, e); }
        finally { foreach (var t in moments.Values) t.Dispose(); }
        try { ModuleWeights.Import(model, Part(content, ModelPrefix), ""); }
        catch (ArmlModelFormatException e) { throw Damaged(e.Message, e); }
        using (var savedRng = rng.ToTensor()) torch.set_rng_state(savedRng);
        if (hasBest) best = Part(content, BestPrefix).ToDictionary(kv => kv.Key, kv => kv.Value.ToTensor());
        taskState = Part(content, TaskPrefix);
        return true;
    }

    /// <summary>Puts back the state of <paramref name="task"/> that <see cref="TryLoad"/> returned.</summary>
    /// <exception cref="ArmlModelFormatException">The state does not fit the task; the message names the file.</exception>
    internal void RestoreTaskState(ICheckpointedTrainingTask task, IReadOnlyDictionary<string, TensorData> taskState)
    {
        try { task.RestoreState(taskState); }
        catch (ArmlModelFormatException e) { throw Damaged($"the training task's state (tensors '{TaskPrefix}…'): {e.Message}", e); }
    }

    /// <summary>An error naming this checkpoint's file.</summary>
    internal ArmlModelFormatException Damaged(string problem, Exception? inner = null) =>
        new($"Checkpoint {Path} cannot be resumed: {problem.TrimEnd('.')}. {CheckpointFile.Advice}", inner);

    private TrainingState ReadState(SafeTensorsContent content)
    {
        if (!content.Metadata.TryGetValue(StateKey, out var json)) throw Damaged("it has no training state");
        TrainingState? state;
        try { state = JsonSerializer.Deserialize<TrainingState>(json, Json); }
        catch (JsonException e) { throw Damaged($"its training state is not valid JSON ({e.Message})", e); }
        if (state == null) throw Damaged("its training state is empty");
        if (state.Iteration < 0 || state.TokensSeen < 0 || state.EvaluationsSinceBest < 0 || state.LossCount < 0
            || !(state.ElapsedSeconds >= 0) || double.IsInfinity(state.ElapsedSeconds) || !double.IsFinite(state.LossSum) || double.IsNaN(state.BestValidationLoss))
            throw Damaged($"its training state is out of range ({(json.Length <= 300 ? json : json[..300] + "…")})");
        return state;
    }

    // Checks the tensors under `prefix` against the model's state dict: the same names, shapes and dtypes, finite values.
    // Returns whether any are present; `required` makes their absence an error.
    private bool CheckWeights(SafeTensorsContent content, string prefix, IReadOnlyDictionary<string, Tensor> weights, bool required)
    {
        var part = Part(content, prefix);
        if (part.Count == 0 && !required) return false;
        foreach (var name in part.Keys.Where(k => !weights.ContainsKey(k)))
            throw Damaged($"tensor '{prefix + name}' is not a weight of this model");
        using var scope = NewDisposeScope();
        foreach (var (name, target) in weights)
        {
            if (!part.TryGetValue(name, out var data)) throw Damaged($"tensor '{prefix + name}' is missing");
            if (!data.Shape.SequenceEqual(target.shape))
                throw Damaged($"tensor '{prefix + name}' has shape [{string.Join(", ", data.Shape)}]; the model expects [{string.Join(", ", target.shape)}]");
            var values = data.ToTensor();
            if (values.dtype != target.dtype) throw Damaged($"tensor '{prefix + name}' is {values.dtype}; the model's is {target.dtype}");
            if (values.is_floating_point() && !values.isfinite().all().item<bool>())
                throw Damaged($"tensor '{prefix + name}' holds a NaN or infinite value");
        }
        return true;
    }

    private TensorData Require(SafeTensorsContent content, string name) =>
        content.Tensors.TryGetValue(name, out var data) ? data : throw Damaged($"tensor '{name}' is missing");

    private static Dictionary<string, TensorData> Part(SafeTensorsContent content, string prefix) =>
        content.Tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);
}
