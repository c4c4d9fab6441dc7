using ArML.Torch;
using ArML.Persistence;
using ArML.Trainers.Classification;
using ArML.Trainers.Gpt;
using ArML.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ArML.Trainers.Preference;

/// <summary>
/// DPO's part of training: batches of preference rows and the loss −log σ(β[(log π(y_w|x) − log π_ref(y_w|x)) −
/// (log π(y_l|x) − log π_ref(y_l|x))]), with the reference's log-probabilities computed once per row beforehand
/// (<see cref="PreferenceRows.ScoreReference"/>): the reference is frozen, so it never runs during training. A
/// "token" of the shared loop is a row here. At each evaluation the task also reports <see cref="DpoProgress"/>.
/// </summary>
internal sealed class DpoTrainingTask : ICheckpointedTrainingTask
{
    private const string StepsName = "dpo.micro_batches";
    private readonly GptModel _policy;
    private readonly PreferenceRows _train;
    private readonly PreferenceRows? _validation;
    private readonly int _batch;
    private readonly double _beta;
    private readonly DpoOptions _options;
    private readonly ArmlHost _host;
    private readonly long _validationSeed;
    private readonly Device _device;
    private readonly RowLogProbabilities _sinceReport = new();
    private long _microBatches;

    public DpoTrainingTask(GptModel policy, PreferenceRows train, PreferenceRows? validation, DpoOptions options, ArmlHost host, long seed, Device device)
    {
        _policy = policy;
        _train = train;
        _validation = validation;
        _batch = options.BatchSize;
        _beta = options.Beta;
        _options = options;
        _host = host;
        _validationSeed = seed ^ 0x5EED;
        _device = device;
    }

    public nn.Module Model => _policy;

    public long TokensPerEpoch => _train.Count;

    public bool DecaysWeight(string name, Tensor parameter) =>
        parameter.dim() >= 2 && !name.StartsWith("wte.", StringComparison.Ordinal) && !name.StartsWith("wpe.", StringComparison.Ordinal);

    public (Tensor Loss, long Tokens) TrainingLoss(TrainingRandom random)
    {
        var picked = Pick(_train, random);
        var (loss, chosen, rejected) = Losses(_train, picked);
        _sinceReport.Add(_train, picked, chosen, rejected);
        _microBatches++;
        return (loss, _batch);
    }

    // Called by the loop at every evaluation, with or without validation data: the point where DPO's own metrics are reported.
    public double? ValidationLoss()
    {
        double? loss = null;
        var validation = new RowLogProbabilities();
        if (_validation is { Count: > 0 } data)
        {
            loss = FixedValidationBatches.MeanLoss(_policy, _validationSeed, _options.EvaluationBatches, random =>
            {
                var picked = Pick(data, random);
                var (batchLoss, chosen, rejected) = Losses(data, picked);
                validation.Add(data, picked, chosen, rejected);
                return batchLoss;
            });
        }
        if (_sinceReport.Count > 0)
        {
            var progress = new DpoProgress
            {
                Iteration = (int)(_microBatches / _options.GradientAccumulationSteps),
                Training = _sinceReport.Metrics(_beta),
                Validation = validation.Count > 0 ? validation.Metrics(_beta) : null,
            };
            _sinceReport.Clear();
            _host.Info(progress.ToString());
            _options.PreferenceProgress?.Report(progress);
        }
        return loss;
    }

    public IReadOnlyList<KeyValuePair<string, TensorData>> CaptureState() =>
        [new(StepsName, new TensorData("I64", [1], BitConverter.GetBytes(_microBatches)))];

    public void RestoreState(IReadOnlyDictionary<string, TensorData> state)
    {
        if (!state.TryGetValue(StepsName, out var steps) || steps.DType != "I64" || steps.Shape is not [1] || steps.Data.Length != 8)
            throw new ArmlModelFormatException($"Tensor '{StepsName}' (the micro-batches trained) is missing or not one I64; the checkpoint was not written by DPO.");
        _microBatches = BitConverter.ToInt64(steps.Data);
    }

    private int[] Pick(PreferenceRows data, TrainingRandom random)
    {
        var picked = new int[_batch];
        for (int b = 0; b < _batch; b++) picked[b] = (int)random.NextInt64(data.Count);
        return picked;
    }

    /// <summary>
    /// The mean DPO loss of rows <paramref name="picked"/> (attached to the graph) and the policy's log π(y_w|x) and
    /// log π(y_l|x) of each row (B), from one forward pass over the 2B sequences.
    /// </summary>
    internal (Tensor Loss, Tensor Chosen, Tensor Rejected) Losses(PreferenceRows data, int[] picked)
    {
        int b = picked.Length;
        var sequences = picked.Select(r => data.Chosen[r]).Concat(picked.Select(r => data.Rejected[r])).ToArray();
        var starts = picked.Select(r => (long)data.ChosenStarts[r]).Concat(picked.Select(r => (long)data.RejectedStarts[r])).ToArray();
        var logProbabilities = ResponseLogProbabilities(sequences, starts);                    // (2B)
        var chosen = logProbabilities[..b];
        var rejected = logProbabilities[b..];
        var type = logProbabilities.dtype;
        var referenceChosen = tensor(picked.Select(r => data.ReferenceChosen[r]).ToArray(), device: _device).to_type(type);
        var referenceRejected = tensor(picked.Select(r => data.ReferenceRejected[r]).ToArray(), device: _device).to_type(type);
        var margin = KeptScalar.Mul((chosen - referenceChosen) - (rejected - referenceRejected), _beta);
        return (-F.logsigmoid(margin).mean(), chosen, rejected);                                // −log σ(m)
    }

    // Σ over each sequence's response targets (from its start on, the final SEP included) of log π(target | prefix).
    private Tensor ResponseLogProbabilities(int[][] sequences, long[] starts)
    {
        var (framedIds, _, framedTargets, framedMask, _) = ClassifierBatch.Build(sequences, Enumerable.Range(0, sequences.Length).ToArray(), _device);
        // The final position of the longest sequence predicts nothing (its mask is 0): dropping it keeps inputs within the context.
        long length = framedIds.shape[1] - 1;
        var (ids, targets, mask) = (framedIds.narrow(1, 0, length), framedTargets!.narrow(1, 0, length), framedMask!.narrow(1, 0, length));
        var logits = _policy.call(ids);                                                         // (2B, T, V)
        var perPosition = -F.cross_entropy(logits.view(-1, logits.shape[2]), targets.reshape(-1), reduction: nn.Reduction.None)
            .view(-1, length);                                                                  // (2B, T)
        // Position j predicts target j + 1: the response's targets are predicted from position start − 1 on.
        var response = KeptScalar.Arange(length, _device).unsqueeze(0) >= KeptScalar.Sub(tensor(starts, device: _device).unsqueeze(1), 1);
        return (perPosition * mask.to_type(perPosition.dtype) * response.to_type(perPosition.dtype)).sum(1);
    }

    /// <summary>Policy and reference log-probabilities of the rows measured since the last report.</summary>
    private sealed class RowLogProbabilities
    {
        private readonly List<double> _chosen = [], _rejected = [], _referenceChosen = [], _referenceRejected = [];

        public int Count => _chosen.Count;

        public void Add(PreferenceRows data, int[] picked, Tensor chosen, Tensor rejected)
        {
            _chosen.AddRange(chosen.detach().to_type(ScalarType.Float64).cpu().data<double>().ToArray());
            _rejected.AddRange(rejected.detach().to_type(ScalarType.Float64).cpu().data<double>().ToArray());
            _referenceChosen.AddRange(picked.Select(r => data.ReferenceChosen[r]));
            _referenceRejected.AddRange(picked.Select(r => data.ReferenceRejected[r]));
        }

        public DpoMetrics Metrics(double beta) =>
            DpoMetrics.From(beta, _chosen.ToArray(), _rejected.ToArray(), _referenceChosen.ToArray(), _referenceRejected.ToArray());

        public void Clear()
        {
            _chosen.Clear();
            _rejected.Clear();
            _referenceChosen.Clear();
            _referenceRejected.Clear();
        }
    }
}
