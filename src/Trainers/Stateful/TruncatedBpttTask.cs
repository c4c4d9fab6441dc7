using ArML.Persistence;
using ArML.Torch;
using ArML.Trainers.Gpt;
using ArML.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Trainers.Stateful;

/// <summary>
/// The stateful families' part of training: truncated back-propagation through time. The rows, joined by the
/// separator, form one cyclic token stream; B readers start evenly spaced along it and each step reads the next T
/// tokens of every reader, continuing from the state the previous step left (cut from the graph: gradients flow back
/// T steps at most). With <c>resetAtRowStart</c> a reader's state restarts at every separator it reads, so each row is
/// learned from the start state exactly as it is scored.
/// </summary>
/// <remarks>
/// Windows follow each other in order rather than at random; the readers' position and state are the task's own
/// checkpoint (<see cref="ICheckpointedTrainingTask"/>), so a resumed run continues exactly where it stopped.
/// </remarks>
internal sealed class TruncatedBpttTask<TNetwork> : ICheckpointedTrainingTask, ITokensPerStep, IDisposable
    where TNetwork : nn.Module, IStatefulNetwork
{
    private const string StepName = "step";
    private const string StatePrefix = "state.";
    private readonly TNetwork _network;
    private readonly TokenStream _train;
    private readonly TokenStream? _validation;
    private readonly int _window;
    private readonly int _evaluationBatches;
    private readonly bool _resetAtRowStart;
    private readonly int _separator;
    private readonly Device _device;
    private long _step;
    private RecurrentState _state;

    public TruncatedBpttTask(TNetwork network, GptData train, GptData? validation, int streams, int window, int evaluationBatches,
        bool resetAtRowStart, int separator, Device device)
    {
        _network = network;
        _train = new TokenStream(train.Tokens, streams);
        _validation = validation is { Tokens.Length: >= 2 } ? new TokenStream(validation.Tokens, streams) : null;
        _window = window;
        _evaluationBatches = evaluationBatches;
        _resetAtRowStart = resetAtRowStart;
        _separator = separator;
        _device = device;
        _state = StartState(_train.Readers);
    }

    public nn.Module Model => _network;

    public long TokensPerEpoch => _train.Period;

    public long TokensPerMicroBatch => (long)_train.Readers * _window;

    public bool DecaysWeight(string name, Tensor parameter) => parameter.dim() >= 2 && !name.StartsWith("wte.", StringComparison.Ordinal);

    /// <summary>The next window of every reader; <paramref name="random"/> is not needed: windows come in order.</summary>
    public (Tensor Loss, long Tokens) TrainingLoss(TrainingRandom random)
    {
        var (inputs, targets) = _train.Window(_step * _window, _window);
        _step++;
        var (logits, next) = Run(inputs, _train.Readers, _window, _state);
        var loss = nn.functional.cross_entropy(logits.reshape(-1, _network.VocabularySize), tensor(targets, device: _device));
        var carried = next.Detach();
        _state.Dispose();
        _state = carried;
        return (loss, (long)_train.Readers * _window);
    }

    /// <summary>
    /// Mean loss over the first <c>evaluationBatches</c> windows of every validation reader (each segment read once at
    /// most), from the start state, in evaluation mode: the same tokens at every call.
    /// </summary>
    public double? ValidationLoss()
    {
        if (_validation is not { } data) return null;
        bool wasTraining = _network.training;
        _network.eval();
        double total = 0;
        long count = 0;
        var state = StartState(data.Readers);
        try
        {
            using var noGrad = no_grad();
            for (long begin = 0; begin < data.Segment && begin / _window < _evaluationBatches; begin += _window)
            {
                using var scope = NewDisposeScope();
                int length = (int)Math.Min(_window, data.Segment - begin);
                var (inputs, targets) = data.Window(begin, length);
                var (logits, next) = Run(inputs, data.Readers, length, state);
                var loss = nn.functional.cross_entropy(logits.reshape(-1, _network.VocabularySize), tensor(targets, device: _device), reduction: nn.Reduction.Sum);
                total += loss.to_type(ScalarType.Float64).item<double>();
                count += (long)data.Readers * length;
                var carried = next.Detach();
                state.Dispose();
                state = carried;
            }
        }
        finally
        {
            state.Dispose();
            if (wasTraining) _network.train();
        }
        return total / count;
    }

    public IReadOnlyList<KeyValuePair<string, TensorData>> CaptureState()
    {
        var result = new List<KeyValuePair<string, TensorData>> { new(StepName, new TensorData("I64", [1], BitConverter.GetBytes(_step))) };
        for (int i = 0; i < _state.Parts.Count; i++) result.Add(new(StatePrefix + i, _state.Parts[i].ToTensorData()));
        return result;
    }

    public void RestoreState(IReadOnlyDictionary<string, TensorData> state)
    {
        if (!state.TryGetValue(StepName, out var step) || step.DType != "I64" || step.Data.Length != sizeof(long))
            throw new ArmlModelFormatException("The checkpoint has no position of the training streams; it was not written by truncated back-propagation through time.");
        var parts = new Tensor[_state.Parts.Count];
        for (int i = 0; i < parts.Length; i++)
        {
            var expected = _state.Parts[i];
            if (!state.TryGetValue(StatePrefix + i, out var data) || !data.Shape.SequenceEqual(expected.shape))
                throw new ArmlModelFormatException($"The checkpoint's recurrent state part {i} is missing or not of shape [{string.Join(", ", expected.shape)}].");
            using var scope = NewDisposeScope();
            parts[i] = data.ToTensor().to_type(expected.dtype).to(_device).DetachFromDisposeScope();
        }
        _step = BitConverter.ToInt64(step.Data);
        var restored = new RecurrentState(_state.BatchDimension, parts);
        _state.Dispose();
        _state = restored;
    }

    public void Dispose() => _state.Dispose();

    private RecurrentState StartState(int readers)
    {
        using var scope = NewDisposeScope();
        return _network.InitialState(readers, _device).Detach();
    }

    // Reads a (B, T) window from `state`; with resets, the window is cut before every step at which some reader reads
    // a separator, and those readers restart from the start state there.
    private (Tensor Logits, RecurrentState Next) Run(long[] inputs, int readers, int length, RecurrentState state)
    {
        var x = tensor(inputs, [readers, length], device: _device);
        if (!_resetAtRowStart) return _network.Forward(x, state);
        var pieces = new List<Tensor>();
        int begin = 0;
        while (begin < length)
        {
            int end = begin + 1;
            while (end < length && !ReadsSeparator(inputs, readers, length, end)) end++;
            if (ReadsSeparator(inputs, readers, length, begin))
            {
                var keep = new bool[readers];
                for (int b = 0; b < readers; b++) keep[b] = inputs[b * length + begin] != _separator;
                state = state.ResetRows(tensor(keep, device: _device));
            }
            var (logits, next) = _network.Forward(x.narrow(1, begin, end - begin), state);
            pieces.Add(logits);
            state = next;
            begin = end;
        }
        return (pieces.Count == 1 ? pieces[0] : cat(pieces, 1), state);
    }

    private bool ReadsSeparator(long[] inputs, int readers, int length, int position)
    {
        for (int b = 0; b < readers; b++) if (inputs[b * length + position] == _separator) return true;
        return false;
    }

    /// <summary>
    /// The token buffer as a cyclic stream of <see cref="Period"/> inputs (each followed by its target), with
    /// <see cref="Readers"/> readers starting <see cref="Segment"/> inputs apart.
    /// </summary>
    private sealed class TokenStream(TokenBuffer tokens, int readers)
    {
        public long Period { get; } = tokens.Length - 1;

        public int Readers { get; } = (int)Math.Min(readers, tokens.Length - 1);

        public long Segment => Period / Readers;

        /// <summary>Inputs and targets of every reader at offsets <paramref name="offset"/> .. offset + length − 1 from its start.</summary>
        public (long[] Inputs, long[] Targets) Window(long offset, int length)
        {
            var inputs = new long[Readers * length];
            var targets = new long[Readers * length];
            for (int b = 0; b < Readers; b++)
            {
                long position = (b * Segment + offset) % Period;
                for (int j = 0; j < length; j++)
                {
                    // The buffer starts and ends with a separator, so wrapping from its last input to its first keeps the stream seamless.
                    inputs[b * length + j] = tokens[position];
                    targets[b * length + j] = tokens[position + 1];
                    if (++position == Period) position = 0;
                }
            }
            return (inputs, targets);
        }
    }
}
