using System.Diagnostics;
using ArML.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ArML.Trainers.Gpt;

/// <summary>
/// nanoGPT's training loop: random context windows from the token buffer, AdamW with linear warm-up and cosine
/// decay, gradient clipping, periodic validation and progress reports. Reads top to bottom.
/// </summary>
internal sealed class GptTrainingLoop
{
    private readonly GptModel _model;
    private readonly GptTrainer.Options _options;
    private readonly TokenBuffer _train;
    private readonly TokenBuffer? _validation;
    private readonly int _seed;
    private readonly Device _device;
    private readonly ArmlHost _host;

    public GptTrainingLoop(GptModel model, GptTrainer.Options options, TokenBuffer train, TokenBuffer? validation, int seed, Device device, ArmlHost host)
    {
        _model = model;
        _options = options;
        _train = train;
        _validation = validation;
        _seed = seed;
        _device = device;
        _host = host;
    }

    /// <summary>Final training loss (mean over the last report interval).</summary>
    public double LastLoss { get; private set; } = double.NaN;

    public void Run()
    {
        var optimizer = CreateOptimizer();
        var random = new Random(_seed);
        int batch = _options.BatchSize;
        int length = (int)Math.Min(_options.ContextLength, _train.Length - 1);
        var inputs = new long[batch * length];
        var targets = new long[batch * length];
        int vocabulary = _model.Config.VocabularySize;

        var clock = Stopwatch.StartNew();
        var sinceReport = Stopwatch.StartNew();
        double lossSum = 0;
        int lossCount = 0;
        _model.train();
        for (int iteration = 1; iteration <= _options.MaxIterations; iteration++)
        {
            double learningRate = LearningRateAt(iteration - 1);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
            SampleWindows(_train, random, inputs, targets, length);

            float loss;
            using (var scope = NewDisposeScope())
            {
                var x = tensor(inputs, [batch, length], device: _device);
                var y = tensor(targets, [batch * length], device: _device);
                var logits = _model.call(x);                                                 // (B, T, V)
                var lossTensor = nn.functional.cross_entropy(logits.view(-1, vocabulary), y);
                optimizer.zero_grad();
                lossTensor.backward();
                if (_options.GradientClipNorm > 0) nn.utils.clip_grad_norm_(_model.parameters(), _options.GradientClipNorm);
                optimizer.step();
                loss = lossTensor.item<float>();
            }
            if (!float.IsFinite(loss))
                throw new InvalidOperationException(
                    $"GPT training diverged: the loss at iteration {iteration} is {loss}. Lower LearningRate " +
                    $"(now {_options.LearningRate}) or raise WarmupIterations; no model was produced.");
            lossSum += loss;
            lossCount++;

            if (iteration % _options.EvaluationInterval == 0 || iteration == _options.MaxIterations)
            {
                double? validationLoss = _validation != null ? ValidationLoss(_validation, length) : null;
                double seconds = sinceReport.Elapsed.TotalSeconds;
                var progress = new TrainingProgress
                {
                    Iteration = iteration,
                    MaxIterations = _options.MaxIterations,
                    Loss = lossSum / lossCount,
                    ValidationLoss = validationLoss,
                    TokensPerSecond = lossCount * (double)batch * length / Math.Max(seconds, 1e-9),
                    LearningRate = learningRate,
                    Elapsed = clock.Elapsed,
                    EstimatedRemaining = TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / iteration * (_options.MaxIterations - iteration)),
                };
                LastLoss = progress.Loss;
                _host.Info(progress.ToString());
                _options.Progress?.Report(progress);
                lossSum = 0;
                lossCount = 0;
                sinceReport.Restart();
            }
        }
        _model.eval();
    }

    private AdamW CreateOptimizer()
    {
        // Weight decay regularises the matrices of attention and MLP only; decaying biases, norm gains and
        // embeddings pulls them toward zero for no benefit.
        var decay = new List<Parameter>();
        var noDecay = new List<Parameter>();
        foreach (var (name, parameter) in _model.named_parameters())
        {
            bool embedding = name.StartsWith("wte.", StringComparison.Ordinal) || name.StartsWith("wpe.", StringComparison.Ordinal);
            (parameter.dim() >= 2 && !embedding ? decay : noDecay).Add(parameter);
        }
        var groups = new[]
        {
            new AdamW.ParamGroup(decay, lr: _options.LearningRate, beta1: 0.9, beta2: _options.Beta2, weight_decay: _options.WeightDecay),
            new AdamW.ParamGroup(noDecay, lr: _options.LearningRate, beta1: 0.9, beta2: _options.Beta2, weight_decay: 0),
        };
        return optim.AdamW(groups, _options.LearningRate, 0.9, _options.Beta2);
    }

    /// <summary>Linear warm-up to the peak rate, then cosine decay to the minimum at the last iteration.</summary>
    internal double LearningRateAt(int step)
    {
        double peak = _options.LearningRate;
        double min = _options.MinLearningRate ?? peak / 10;
        if (step < _options.WarmupIterations) return peak * (step + 1) / (_options.WarmupIterations + 1);
        int decaySteps = Math.Max(1, _options.MaxIterations - _options.WarmupIterations);
        double progress = Math.Min(1.0, (step - _options.WarmupIterations) / (double)decaySteps);
        return min + 0.5 * (1 + Math.Cos(Math.PI * progress)) * (peak - min);
    }

    private static void SampleWindows(TokenBuffer data, Random random, long[] inputs, long[] targets, int length)
    {
        int batch = inputs.Length / length;
        for (int b = 0; b < batch; b++)
        {
            long start = random.NextInt64(0, data.Length - length);
            data.CopyTo(start, inputs.AsSpan(b * length, length));
            data.CopyTo(start + 1, targets.AsSpan(b * length, length));
        }
    }

    // The same seeded windows at every evaluation, so successive validation losses are comparable.
    private double ValidationLoss(TokenBuffer data, int trainLength)
    {
        int length = (int)Math.Min(trainLength, data.Length - 1);
        if (length < 1) return double.NaN;
        var random = new Random(_seed ^ 0x5EED);
        int batch = _options.BatchSize;
        var inputs = new long[batch * length];
        var targets = new long[batch * length];
        double total = 0;
        _model.eval();
        using (no_grad())
        {
            for (int i = 0; i < _options.EvaluationBatches; i++)
            {
                SampleWindows(data, random, inputs, targets, length);
                using var scope = NewDisposeScope();
                var logits = _model.call(tensor(inputs, [batch, length], device: _device));
                total += nn.functional.cross_entropy(logits.view(-1, _model.Config.VocabularySize), tensor(targets, [batch * length], device: _device)).item<float>();
            }
        }
        _model.train();
        return total / _options.EvaluationBatches;
    }
}
