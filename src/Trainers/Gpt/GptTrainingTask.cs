using ArML.Torch;
using ArML.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Trainers.Gpt;

/// <summary>
/// The GPT family's part of training: batches of context windows (or rows) and the next-token cross-entropy
/// over their predicted positions. The loop itself is the shared <see cref="TrainingLoop"/>.
/// </summary>
internal sealed class GptTrainingTask : ITrainingTask, ITokensPerStep, IForwardBackwardTask, IDisposable
{
    private readonly GptModel _model;
    private readonly LanguageModelData _train;
    private readonly LanguageModelData? _validation;
    private readonly int _batch;
    private readonly int _context;
    private readonly int _evaluationBatches;
    private readonly long _validationSeed;
    private readonly Device _device;

    public GptTrainingTask(GptModel model, LanguageModelData train, LanguageModelData? validation, int batch, int context, int evaluationBatches, long seed, Device device)
    {
        _model = model;
        _train = train;
        _validation = validation;
        _batch = batch;
        _context = train.RowStarts == null ? (int)Math.Min(context, train.Tokens.Length - 1) : context;
        _evaluationBatches = evaluationBatches;
        _validationSeed = seed ^ 0x5EED;
        _device = device;
    }

    public nn.Module Model => _model;

    public long TokensPerEpoch => _train.RowStarts == null ? _train.Tokens.Length - 1 : _train.PredictedTokens;

    public long TokensPerMicroBatch => (long)_batch * _context;

    public bool DecaysWeight(string name, Tensor parameter) =>
        parameter.dim() >= 2 && !name.StartsWith("wte.", StringComparison.Ordinal) && !name.StartsWith("wpe.", StringComparison.Ordinal);

    public (Tensor Loss, long Tokens) TrainingLoss(TrainingRandom random) => Loss(_train, random);

    // Context windows split across two threads where GptDataParallel applies (built at the first step: after the
    // optimizer has moved the parameters into its flat buffers, which the replica must share).
    private GptDataParallel? _parallel;
    private bool _parallelChecked;

    public bool TryForwardBackward(TrainingRandom random, double lossScale, out double loss, out long tokens)
    {
        if (!_parallelChecked && _train.RowStarts == null && _device.type == DeviceType.CPU) _parallel = GptDataParallel.TryCreate(_model, _batch);
        _parallelChecked = true;
        (loss, tokens) = (0, 0);
        if (_parallel == null || _train.RowStarts != null) return false;
        var (inputs, targets, _, length, count) = Windows(_train, random);
        loss = _parallel.ForwardBackward(inputs, targets, _batch, length, lossScale);
        tokens = count;
        return true;
    }

    public IThreadShards? Shards => _parallel;

    public void Dispose() => _parallel?.Dispose();

    public double? ValidationLoss()
    {
        if (_validation == null || _validation.Tokens.Length < 2) return null;
        return FixedValidationBatches.MeanLoss(_model, _validationSeed, _evaluationBatches, random => Loss(_validation, random).Loss);
    }

    private (Tensor Loss, long Tokens) Loss(LanguageModelData data, TrainingRandom random)
    {
        var (inputs, targets, mask, length, tokens) = data.RowStarts == null ? Windows(data, random) : Rows(data, random);
        var x = tensor(inputs, [_batch, length], device: _device);
        var y = tensor(targets, [_batch * length], device: _device);
        var logits = _model.call(x).view(-1, _model.Config.VocabularySize);               // (B·T, V)
        if (mask == null) return (nn.functional.cross_entropy(logits, y), tokens);
        var perPosition = nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.None);
        var m = tensor(mask, [_batch * length], device: _device);
        return (KeptScalar.Div((perPosition * m).sum(), Math.Max(1, tokens)), tokens);
    }

    private (long[], long[], float[]?, int, long) Windows(LanguageModelData data, TrainingRandom random)
    {
        int length = (int)Math.Min(_context, data.Tokens.Length - 1);
        var inputs = new long[_batch * length];
        var targets = new long[_batch * length];
        for (int b = 0; b < _batch; b++)
        {
            long start = random.NextInt64(data.Tokens.Length - length);
            data.Tokens.CopyTo(start, inputs.AsSpan(b * length, length));
            data.Tokens.CopyTo(start + 1, targets.AsSpan(b * length, length));
        }
        return (inputs, targets, null, length, (long)_batch * length);
    }

    // One row per example from its start, cut at the context; positions before the first scored target
    // (the condition) and the padding are masked out of the loss.
    private (long[], long[], float[]?, int, long) Rows(LanguageModelData data, TrainingRandom random)
    {
        var starts = data.RowStarts!;
        int rows = starts.Length - 1;
        var picked = new int[_batch];
        int length = 1;
        for (int b = 0; b < _batch; b++)
        {
            picked[b] = (int)random.NextInt64(rows);
            length = (int)Math.Max(length, Math.Min(_context, starts[picked[b] + 1] - starts[picked[b]] - 1));
        }
        var inputs = new long[_batch * length];
        var targets = new long[_batch * length];
        var mask = new float[_batch * length];
        long tokens = 0;
        for (int b = 0; b < _batch; b++)
        {
            int row = picked[b];
            int available = (int)Math.Min(length, starts[row + 1] - starts[row] - 1);
            data.Tokens.CopyTo(starts[row], inputs.AsSpan(b * length, available));
            data.Tokens.CopyTo(starts[row] + 1, targets.AsSpan(b * length, available));
            for (int j = Math.Max(0, data.FirstTargets![row] - 1); j < available; j++)
            {
                mask[b * length + j] = 1;
                tokens++;
            }
        }
        return (inputs, targets, mask, length, tokens);
    }
}
