using ArML.Torch;
using ArML.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Trainers.Density;

/// <summary>
/// The density family's part of training: batches of random rows (with replacement) and their mean negative
/// log-likelihood per dimension; a model with several masks trains each step through one mask drawn at random
/// (connectivity-agnostic training). The loop is the shared <see cref="TrainingLoop"/>.
/// </summary>
/// <remarks>
/// Losses are per dimension (nats per value), like the language models' per token; multiply by D for nats per
/// vector. Validation walks the validation rows in order, so EvaluationBatches × BatchSize ≥ rows covers them all,
/// with the masks taken in turn.
/// </remarks>
internal sealed class DensityTrainingTask : ITrainingTask, ITokensPerStep
{
    private readonly AutoregressiveNetwork _network;
    private readonly ConditionalDistribution _distribution;
    private readonly Standardization? _standardization;
    private readonly DensityData _train;
    private readonly DensityData? _validation;
    private readonly int _batch;
    private readonly int _evaluationBatches;
    private readonly Device _device;
    private readonly double _l1Penalty;
    private readonly Tensor[] _penalized;   // the weight matrices, found once rather than at every step
    private float[] _batchValues = [];

    public DensityTrainingTask(AutoregressiveNetwork network, Standardization? standardization, DensityData train, DensityData? validation,
        int batch, int evaluationBatches, Device device, double l1Penalty)
    {
        _l1Penalty = l1Penalty;
        _penalized = l1Penalty > 0
            ? network.named_parameters().Where(p => DecaysWeight(p.name, p.parameter)).Select(p => (Tensor)p.parameter).ToArray()
            : [];
        _network = network;
        _distribution = ConditionalDistribution.Create(network.Config);
        _standardization = standardization;
        _train = train;
        _validation = validation;
        _batch = batch;
        _evaluationBatches = evaluationBatches;
        _device = device;
    }

    public nn.Module Model => _network;

    public long TokensPerEpoch => (long)_train.Rows * _train.Dimension;

    public long TokensPerMicroBatch => (long)_batch * _train.Dimension;

    // Weight matrices decay; biases and the (non-parameter) degree buffers do not.
    public bool DecaysWeight(string parameterName, Tensor parameter) => parameter.dim() >= 2;

    public (Tensor Loss, long Tokens) TrainingLoss(TrainingRandom random)
    {
        var rows = new int[_batch];
        for (int b = 0; b < rows.Length; b++) rows[b] = (int)random.NextInt64(_train.Rows);
        int mask = _network.MaskCount == 1 ? 0 : (int)random.NextInt64(_network.MaskCount);
        var loss = Loss(_train, rows, mask);
        foreach (var weight in _penalized) loss = KeptScalar.Add(loss, KeptScalar.Mul(weight.abs().sum(), _l1Penalty / _train.Dimension));
        return (loss, (long)_batch * _train.Dimension);
    }

    public double? ValidationLoss()
    {
        if (_validation is not { Rows: > 0 } validation) return null;
        bool wasTraining = _network.training;
        _network.eval();
        double total = 0;
        long weight = 0;
        using (no_grad())
        {
            for (int i = 0; i < _evaluationBatches; i++)
            {
                int start = (int)((long)i * _batch % validation.Rows);
                int count = Math.Min(_batch, validation.Rows - start);
                var rows = Enumerable.Range(start, count).ToArray();
                using var scope = NewDisposeScope();
                total += Loss(validation, rows, i % _network.MaskCount).item<float>() * count;
                weight += count;
                if ((long)(i + 1) * _batch >= validation.Rows && i + 1 >= _network.MaskCount) break;   // every row seen once
            }
        }
        if (wasTraining) _network.train();
        return total / weight;
    }

    private Tensor Loss(DensityData data, int[] rows, int mask)
    {
        // One buffer for every step: a batch of MNIST rows is 300 KB, too much garbage to make per step.
        int length = rows.Length * data.Dimension;
        if (_batchValues.Length < length) _batchValues = new float[length];
        var values = _batchValues.AsSpan(0, length);
        data.Gather(rows, values);
        _standardization?.Apply(values);
        var x = FloatTensors.FromSpan(values, [rows.Length, data.Dimension], _device);
        var parameters = _network.Conditionals(KeptScalar.Mul(x, _distribution.FeatureScale), mask);    // (B, D, P)
        // The Jacobian of the standardization is a constant: it changes no gradient, but keeps the reported loss in
        // the data's units (loss × D = negative log-likelihood per vector).
        double jacobianPerValue = (_standardization?.LogJacobian ?? 0) / data.Dimension;
        return KeptScalar.Sub(-_distribution.LogProbability(parameters, x).mean(), jacobianPerValue);
    }
}
