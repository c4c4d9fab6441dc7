using ArML.Persistence;
using ArML.Torch;
using ArML.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Trainers.Stateful;

/// <summary>
/// The stateful families' part of training: truncated back-propagation through time. Windows come in order from an
/// <see cref="IWindowSchedule"/> (rows from the start state, or one running stream); each is read after the state
/// the previous window left, cut from the graph, so gradients flow back one window while the state carries further.
/// </summary>
/// <remarks>
/// The schedule's cursor and the carried state are the task's own checkpoint (<see cref="ICheckpointedTrainingTask"/>),
/// so a resumed run continues exactly where it stopped.
/// </remarks>
internal sealed class TruncatedBpttTask<TNetwork> : ICheckpointedTrainingTask, ITokensPerStep, IDisposable
    where TNetwork : nn.Module, IStatefulNetwork
{
    private const string CursorName = "cursor";
    private const string StatePrefix = "state.";
    private readonly TNetwork _network;
    private readonly IWindowSchedule _train;
    private readonly IWindowSchedule? _validation;
    private readonly int _evaluationBatches;
    private readonly Device _device;
    private RecurrentState? _state;

    public TruncatedBpttTask(TNetwork network, IWindowSchedule train, IWindowSchedule? validation, int evaluationBatches, Device device)
    {
        _network = network;
        _train = train;
        _validation = validation;
        _evaluationBatches = evaluationBatches;
        _device = device;
    }

    public nn.Module Model => _network;

    public long TokensPerEpoch => _train.TokensPerEpoch;

    public long TokensPerMicroBatch => _train.TokensPerWindow;

    public bool DecaysWeight(string name, Tensor parameter) => parameter.dim() >= 2 && !name.StartsWith("wte.", StringComparison.Ordinal);

    /// <summary>
    /// Mean loss per token over windows read in order until they hold at least a full window's tokens. A row's tail
    /// window can hold a few tokens (rows of 49 inputs read in windows of 48 leave one per row: always the separator);
    /// as a step of its own, weighted like a full window, it pulls the model toward those few targets as hard as a full
    /// window does (a WaveNet trained so scored worse than uniform). Read together with the next, every token weighs the same.
    /// </summary>
    public (Tensor Loss, long Tokens) TrainingLoss(TrainingRandom random)
    {
        Tensor? sum = null;
        long tokens = 0;
        long full = Math.Max(1, _train.TokensPerWindow);
        while (tokens < full)
        {
            var window = _train.Next(random);
            var (loss, next) = Read(window, window.Restart ? null : _state, reduction: nn.Reduction.Sum);
            Carry(ref _state, next);
            sum = sum is null ? loss : KeptScalar.Add(sum, loss);
            tokens += window.Tokens;
            if (window.Tokens == 0) break;   // never loop on an empty schedule
        }
        return (KeptScalar.Div(sum!, Math.Max(1, tokens)), tokens);
    }

    /// <summary>Mean loss per scored position over the validation schedule's sweep, in evaluation mode.</summary>
    public double? ValidationLoss()
    {
        if (_validation == null) return null;
        bool wasTraining = _network.training;
        _network.eval();
        double total = 0;
        long count = 0;
        RecurrentState? state = null;
        try
        {
            using var noGrad = no_grad();
            foreach (var window in _validation.Sweep(_evaluationBatches))
            {
                using var scope = NewDisposeScope();
                var (loss, next) = Read(window, window.Restart ? null : state, reduction: nn.Reduction.Sum);
                total += loss.to_type(ScalarType.Float64).item<double>();
                count += window.Tokens;
                Carry(ref state, next);
            }
        }
        finally
        {
            state?.Dispose();
            if (wasTraining) _network.train();
        }
        return count == 0 ? null : total / count;
    }

    public IReadOnlyList<KeyValuePair<string, TensorData>> CaptureState()
    {
        var cursor = _train.Cursor;
        var result = new List<KeyValuePair<string, TensorData>>
        {
            new(CursorName, new TensorData("I64", [cursor.Length], cursor.SelectMany(BitConverter.GetBytes).ToArray())),
        };
        if (_state != null)
            for (int i = 0; i < _state.Parts.Count; i++) result.Add(new(StatePrefix + i, _state.Parts[i].ToTensorData()));
        return result;
    }

    public void RestoreState(IReadOnlyDictionary<string, TensorData> state)
    {
        if (!state.TryGetValue(CursorName, out var cursor) || cursor.DType != "I64" || cursor.Shape.Length != 1)
            throw new ArmlModelFormatException($"Tensor '{CursorName}' (the position of the training windows) is missing or not a vector of I64; the checkpoint was not written by truncated back-propagation through time.");
        RecurrentState? restored = null;
        if (state.ContainsKey(StatePrefix + 0))
        {
            using var scope = NewDisposeScope();
            var template = _network.InitialState(1, _device);
            var parts = new Tensor[template.Parts.Count];
            for (int i = 0; i < parts.Length; i++)
            {
                var expected = template.Parts[i];
                if (!state.TryGetValue(StatePrefix + i, out var data))
                    throw new ArmlModelFormatException($"Tensor '{StatePrefix + i}' (the recurrent state's part {i}) is missing.");
                var values = data.ToTensor();
                // Every dimension but the batch's is the network's; the batch is the schedule's, checked as windows are read.
                bool fits = values.dtype == expected.dtype && values.dim() == expected.dim()
                    && Enumerable.Range(0, (int)expected.dim()).All(d => d == template.BatchDimension || values.shape[d] == expected.shape[d]);
                if (!fits)
                    throw new ArmlModelFormatException(
                        $"Tensor '{StatePrefix + i}' is {values.dtype} [{string.Join(", ", values.shape)}]; the recurrent state's part {i} is {expected.dtype} [{string.Join(", ", expected.shape)}] with any batch size.");
                if (!values.isfinite().all().item<bool>())
                    throw new ArmlModelFormatException($"Tensor '{StatePrefix + i}' (the recurrent state's part {i}) holds a NaN or infinite value.");
                parts[i] = values.to(_device).DetachFromDisposeScope();
            }
            restored = new RecurrentState(template.BatchDimension, parts);
        }
        try
        {
            _train.Cursor = Enumerable.Range(0, (int)cursor.Shape[0]).Select(i => BitConverter.ToInt64(cursor.Data, 8 * i)).ToArray();
        }
        catch (ArgumentException e)
        {
            restored?.Dispose();
            throw new ArmlModelFormatException($"The checkpoint's window position does not fit this data: {e.Message}", e);
        }
        _state?.Dispose();
        _state = restored;
    }

    public void Dispose() => _state?.Dispose();

    // Reads a window after `state` (null: the start state); returns the loss over its scored positions and the state after it.
    private (Tensor Loss, RecurrentState Next) Read(TrainingWindow window, RecurrentState? state, nn.Reduction reduction)
    {
        var x = tensor(window.Inputs, [window.Readers, window.Length], device: _device);
        var y = tensor(window.Targets, device: _device);
        var (logits, next) = _network.Forward(x, state ?? _network.InitialState(window.Readers, _device));
        var flat = logits.reshape(-1, _network.VocabularySize);                      // (B·T, V)
        if (window.Mask == null) return (nn.functional.cross_entropy(flat, y, reduction: reduction), next);
        var masked = (nn.functional.cross_entropy(flat, y, reduction: nn.Reduction.None) * tensor(window.Mask, device: _device)).sum();
        return (reduction == nn.Reduction.Mean ? KeptScalar.Div(masked, Math.Max(1, window.Tokens)) : masked, next);
    }

    // The boundary of truncated back-propagation: the next window starts from a copy cut from this window's graph.
    private static void Carry(ref RecurrentState? state, RecurrentState next)
    {
        var carried = next.Detach();
        state?.Dispose();
        state = carried;
    }
}
