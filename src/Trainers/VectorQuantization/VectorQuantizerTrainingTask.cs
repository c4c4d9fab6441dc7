using ArML.Torch;
using ArML.Persistence;
using ArML.Trainers.Density;
using ArML.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ArML.Trainers.VectorQuantization;

/// <summary>
/// The VQ-VAE's part of training on the shared <see cref="TrainingLoop"/>: batches of random rows (with replacement),
/// the loss ‖x − x̂‖² + ‖sg(z) − e‖² + β‖z − sg(e)‖² (reconstruction, codebook, commitment; means per value), and
/// dead-code restarts.
/// </summary>
/// <remarks>
/// The codebook learns by gradient (the codebook term) rather than by exponential moving averages: it is then an
/// ordinary parameter, so AdamW, checkpoints, exact resumption and early stopping's best weights cover it with no
/// state of its own. A code no encoder output chose during <c>DeadCodeInterval</c> batches is moved onto an encoder
/// output of the latest batch (drawn with the loop's seeded sampler), so that it starts receiving gradient again; the
/// usage counts are checkpointed with the task. Validation loss is the reconstruction error alone (mean squared error
/// per value), the figure users compare.
/// </remarks>
internal sealed class VectorQuantizerTrainingTask : ICheckpointedTrainingTask, ITokensPerStep
{
    private const string UsageName = "code_usage";
    private readonly VectorQuantizerNetwork _network;
    private readonly DensityData _train;
    private readonly DensityData? _validation;
    private readonly int _batch;
    private readonly int _evaluationBatches;
    private readonly double _commitment;
    private readonly int _deadCodeInterval;
    private readonly Device _device;
    // Per code: batches since the last check in which it was chosen; [K] holds the batches counted, [K + 1] the restarts.
    private readonly long[] _usage;
    private float[] _values = [];

    public VectorQuantizerTrainingTask(VectorQuantizerNetwork network, DensityData train, DensityData? validation, VectorQuantizerOptions options, Device device)
    {
        _network = network;
        _train = train;
        _validation = validation;
        _batch = options.BatchSize;
        _evaluationBatches = options.EvaluationBatches;
        _commitment = options.CommitmentCost;
        _deadCodeInterval = options.DeadCodeInterval;
        _device = device;
        _usage = new long[network.Shape.CodebookSize + 2];
    }

    public nn.Module Model => _network;

    public long TokensPerEpoch => (long)_train.Rows * _train.Dimension;

    public long TokensPerMicroBatch => (long)_batch * _train.Dimension;

    /// <summary>Dead codes moved onto encoder outputs so far.</summary>
    public long Restarts => _usage[^1];

    // Convolution kernels decay (when WeightDecay is set); biases and the codebook do not: shrinking codes toward zero
    // would fight the commitment loss.
    public bool DecaysWeight(string parameterName, Tensor parameter) => parameter.dim() >= 2 && parameterName != VectorQuantizerNetwork.CodebookName;

    public (Tensor Loss, long Tokens) TrainingLoss(TrainingRandom random)
    {
        var rows = new int[_batch];
        for (int b = 0; b < rows.Length; b++) rows[b] = (int)random.NextInt64(_train.Rows);
        var images = Images(_train, rows);
        var pass = _network.Forward(images);
        var loss = KeptScalar.Add(KeptScalar.Add(F.mse_loss(pass.Reconstruction, images),
                F.mse_loss(pass.Quantized, pass.Encoded.detach())),
            KeptScalar.Mul(F.mse_loss(pass.Encoded, pass.Quantized.detach()), _commitment));
        CountAndRestart(pass, random);
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
            for (int i = 0; i < _evaluationBatches && (long)i * _batch < validation.Rows; i++)
            {
                int start = i * _batch;
                var rows = Enumerable.Range(start, Math.Min(_batch, validation.Rows - start)).ToArray();
                using var scope = NewDisposeScope();
                var images = Images(validation, rows);
                total += F.mse_loss(_network.Forward(images).Reconstruction, images).item<float>() * rows.Length;
                weight += rows.Length;
            }
        }
        if (wasTraining) _network.train();
        return total / weight;
    }

    public IReadOnlyList<KeyValuePair<string, TensorData>> CaptureState() =>
        [new(UsageName, new TensorData("I64", [_usage.Length], _usage.SelectMany(BitConverter.GetBytes).ToArray()))];

    public void RestoreState(IReadOnlyDictionary<string, TensorData> state)
    {
        if (!state.TryGetValue(UsageName, out var usage) || usage.DType != "I64" || usage.Shape is not [long n] || n != _usage.Length)
            throw new ArmlModelFormatException($"Tensor '{UsageName}' (the codebook's usage counts) is missing or not a vector of {_usage.Length} I64.");
        for (int i = 0; i < _usage.Length; i++) _usage[i] = BitConverter.ToInt64(usage.Data, i * sizeof(long));
    }

    /// <summary>Rows of <paramref name="data"/> as images (B, C, H, W) on the training device.</summary>
    private Tensor Images(DensityData data, int[] rows)
    {
        int length = rows.Length * data.Dimension;
        if (_values.Length < length) _values = new float[length];
        data.Gather(rows, _values.AsSpan(0, length));
        var s = _network.Shape;
        // Rows are (H, W, C) with a pixel's channels side by side; convolutions want (C, H, W).
        return FloatTensors.FromSpan(_values.AsSpan(0, length), [rows.Length, s.Height, s.Width, s.Channels], _device).permute(0, 3, 1, 2);
    }

    private void CountAndRestart(VectorQuantizerPass pass, TrainingRandom random)
    {
        if (_deadCodeInterval == 0) return;
        int k = _network.Shape.CodebookSize;
        using var counts = pass.Codes.flatten().bincount(null, k).cpu();
        var used = counts.data<long>().ToArray();
        for (int code = 0; code < k; code++) _usage[code] += used[code];
        if (++_usage[k] < _deadCodeInterval) return;
        using (no_grad())
        {
            var encoded = pass.Encoded.detach().permute(0, 2, 3, 1).reshape(-1, _network.Shape.CodeDimension);
            for (int code = 0; code < k; code++)
            {
                if (_usage[code] > 0) continue;
                long source = random.NextInt64(encoded.shape[0]);
                _network.Codebook[code].copy_(encoded[source]);
                _usage[k + 1]++;
            }
        }
        Array.Clear(_usage, 0, k + 1);
    }
}
