using ArML.Torch;
using ArML.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ArML.Trainers.Classification;

/// <summary>
/// The classifier's part of training: batches of whole rows (right-padded) and the loss
/// task cross-entropy + λ · next-token cross-entropy over the same rows' positions (GPT-1's L3 = L2 + λ·L1).
/// A "token" of the shared loop is a row here: <see cref="TokensPerEpoch"/> counts rows.
/// </summary>
internal sealed class GptClassifierTrainingTask : ITrainingTask
{
    private readonly GptClassifierNetwork _network;
    private readonly ClassifierRows _train;
    private readonly ClassifierRows? _validation;
    private readonly int _batch;
    private readonly double _lambda;
    private readonly int _evaluationBatches;
    private readonly long _validationSeed;
    private readonly Device _device;
    private readonly Tensor? _classWeights;

    public GptClassifierTrainingTask(GptClassifierNetwork network, ClassifierRows train, ClassifierRows? validation, int batch, double lambda,
        int evaluationBatches, long seed, Device device, double[]? classWeights = null)
    {
        _network = network;
        _train = train;
        _validation = validation;
        _batch = batch;
        _lambda = lambda;
        _evaluationBatches = evaluationBatches;
        _validationSeed = seed ^ 0x5EED;
        _device = device;
        _classWeights = classWeights is null ? null : tensor(classWeights, device: device);   // float64, cast to the logits' type
    }

    /// <summary>
    /// n / (K · n_k) for each class k of <paramref name="classCount"/> with n_k &gt; 0 rows among <paramref name="labels"/>
    /// (K such classes, n rows), 0 for a class without rows: every class present weighs as much in the loss.
    /// </summary>
    public static double[] BalancedClassWeights(IReadOnlyList<int> labels, int classCount)
    {
        var counts = new int[classCount];
        foreach (int label in labels) counts[label]++;
        int present = counts.Count(c => c > 0);
        return counts.Select(c => c == 0 ? 0.0 : labels.Count / ((double)present * c)).ToArray();
    }

    public nn.Module Model => _network;

    public long TokensPerEpoch => _train.Count;

    public bool DecaysWeight(string name, Tensor parameter) =>
        parameter.dim() >= 2 && !name.StartsWith("gpt.wte.", StringComparison.Ordinal) && !name.StartsWith("gpt.wpe.", StringComparison.Ordinal);

    public (Tensor Loss, long Tokens) TrainingLoss(TrainingRandom random) => (Losses(_train, Pick(_train, random)).Total, _batch);

    // The task's cross-entropy alone (class-weighted as in training): what the classifier is judged on and early stopping
    // should watch; the auxiliary LM term, several times larger, would otherwise decide when to stop.
    public double? ValidationLoss()
    {
        if (_validation == null || _validation.Count == 0) return null;
        return FixedValidationBatches.MeanLoss(_network, _validationSeed, _evaluationBatches,
            random => Losses(_validation, Pick(_validation, random)).Task);
    }

    private int[] Pick(ClassifierRows data, TrainingRandom random)
    {
        var picked = new int[_batch];
        for (int b = 0; b < _batch; b++) picked[b] = (int)random.NextInt64(data.Count);
        return picked;
    }

    /// <summary>
    /// The loss of rows <paramref name="picked"/>: the total, the task's mean cross-entropy, and the LM's mean
    /// next-token cross-entropy over every row's predicted positions (null when λ is 0: the LM head is not run).
    /// </summary>
    internal (Tensor Total, Tensor Task, Tensor? LanguageModel) Losses(ClassifierRows data, int[] picked)
    {
        var (idx, last, targets, mask, positions) = ClassifierBatch.Build(data.Framed, picked, _device);
        var labels = tensor(picked.Select(r => (long)data.Labels[r]).ToArray(), device: _device);
        var (logits, hidden) = _network.Forward(idx, last);
        // With class weights, PyTorch's mean divides by the picked rows' weight sum: a weighted mean over the batch.
        var task = _classWeights is null ? F.cross_entropy(logits, labels)
            : F.cross_entropy(logits, labels, weight: _classWeights.to_type(logits.dtype));
        if (_lambda == 0) return (task, task, null);
        long v = _network.Gpt.Config.VocabularySize;
        var lmLogits = _network.Gpt.LanguageModelLogits(hidden).view(-1, v);                     // (B·T, V)
        var perPosition = F.cross_entropy(lmLogits, targets!.view(-1), reduction: nn.Reduction.None);
        var lm = KeptScalar.Div((perPosition * mask!.view(-1)).sum(), Math.Max(1, positions));
        return (KeptScalar.Add(task, KeptScalar.Mul(lm, _lambda)), task, lm);
    }
}
