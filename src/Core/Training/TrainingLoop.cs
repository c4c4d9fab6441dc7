using System.Diagnostics;
using ArML.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Training;

/// <summary>How a training run ended.</summary>
internal enum StopReason
{
    /// <summary><see cref="TrainerOptionsBase.MaxIterations"/> reached.</summary>
    MaxIterations,
    /// <summary><see cref="TrainerOptionsBase.MaxEpochs"/> reached.</summary>
    MaxEpochs,
    /// <summary><see cref="TrainerOptionsBase.MaxTokens"/> reached.</summary>
    MaxTokens,
    /// <summary><see cref="TrainerOptionsBase.MaxTime"/> reached.</summary>
    MaxTime,
    /// <summary>Validation loss stopped improving.</summary>
    EarlyStopping,
}

/// <summary>The outcome of <see cref="TrainingLoop.Run"/>.</summary>
/// <param name="Iterations">Optimizer steps taken in total (resumed ones included).</param>
/// <param name="TokensSeen">Predicted positions trained on.</param>
/// <param name="LastLoss">Mean training loss over the last report interval.</param>
/// <param name="BestValidationLoss">Best validation loss measured, or null.</param>
/// <param name="Reason">Why training stopped.</param>
internal sealed record TrainingResult(int Iterations, long TokensSeen, double LastLoss, double? BestValidationLoss, StopReason Reason);

/// <summary>
/// The training loop every ArML neural trainer shares, readable top to bottom: AdamW with decoupled weight decay
/// on matrices, warm-up and cosine decay, gradient accumulation and clipping, periodic validation, early stopping
/// that keeps the best weights, atomic checkpoints and exact resumption, progress on the log and IProgress.
/// </summary>
internal static class TrainingLoop
{
    /// <summary>Trains <paramref name="task"/>'s model in place.</summary>
    /// <param name="task">The model family's batches and losses.</param>
    /// <param name="options">Shared training options.</param>
    /// <param name="host">Log channel.</param>
    /// <param name="seed">Seed of batch sampling (initialisation is the caller's).</param>
    /// <param name="fingerprint">Identifies the model's shape, the data's content and the options a checkpoint depends on, so that
    /// resuming from a checkpoint of another run is refused (see <see cref="TrainingFingerprint"/>).</param>
    /// <exception cref="InvalidOperationException">The loss, the gradient norm (when clipping) or, at a checkpoint, the weights became NaN or
    /// infinite (the iteration is named; the last checkpoint stays).</exception>
    /// <exception cref="Persistence.ArmlModelFormatException">The checkpoint to resume from is damaged or incomplete (the file and the tensor are named).</exception>
    /// <exception cref="OperationCanceledException">The options' cancellation token fired (after checkpointing, when a folder is set).</exception>
    public static TrainingResult Run(ITrainingTask task, TrainerOptionsBase options, ArmlHost host, int seed, TrainingFingerprint fingerprint)
    {
        // Each step frees its activations and takes them again: kept in the process, not re-faulted from the kernel.
        using var heap = NativeHeap.KeepWhileTraining();
        var model = task.Model;
        using var optimizer = CreateOptimizer(task, options);
        var random = new TrainingRandom(seed);
        int planned = PlannedIterations(task, options);
        var schedule = new LearningRateSchedule(options.LearningRate, options.MinLearningRate ?? options.LearningRate / 10,
            options.WarmupIterations, planned);
        var store = options.CheckpointDirectory is string dir ? new CheckpointStore(dir) : null;
        var state = new TrainingState();
        Dictionary<string, Tensor>? best = null;
        var checkpointed = task as ICheckpointedTrainingTask;
        if (store != null && options.ResumeFromCheckpoint && store.TryLoad(model, optimizer, fingerprint, out var resumed, out best, out var taskState))
        {
            state = resumed;
            try
            {
                try { random.State = state.RandomState; }
                catch (ArgumentException e) { throw store.Damaged($"the batch sampler's state: {e.Message}", e); }
                if (checkpointed != null) store.RestoreTaskState(checkpointed, taskState);
            }
            catch
            {
                DisposeAll(best);
                throw;
            }
            host.Info($"Resumed from {store.Path} at iteration {state.Iteration}.");
        }

        var clock = Stopwatch.StartNew();
        var sinceReport = Stopwatch.StartNew();
        long tokensSinceReport = 0;
        double lastLoss = double.NaN;
        StopReason? reason = StopCondition(task, options, state, clock);
        model.train();
        while (reason == null)
        {
            state.Iteration++;
            double learningRate = schedule.At(state.Iteration - 1);
            optimizer.ZeroGrad();
            double loss = 0;
            for (int micro = 0; micro < options.GradientAccumulationSteps; micro++)
            {
                long tokens;
                // Outside any dispose scope: a task may build long-lived tensors at its first step.
                if (task is IForwardBackwardTask self && self.TryForwardBackward(random, 1.0 / options.GradientAccumulationSteps, out double value, out tokens))
                {
                    loss += value / options.GradientAccumulationSteps;
                    optimizer.Shards = self.Shards;
                }
                else
                {
                    using var scope = NewDisposeScope();
                    (var microLoss, tokens) = task.TrainingLoss(random);
                    KeptScalar.With(options.GradientAccumulationSteps, n => microLoss.div(n)).backward();   // gradients of the mean over micro-batches
                    loss += microLoss.item<float>() / options.GradientAccumulationSteps;
                }
                state.TokensSeen += tokens;
                tokensSinceReport += tokens;
            }
            if (!double.IsFinite(loss)) throw Diverged($"the loss at iteration {state.Iteration} is {loss}");
            // A finite loss can still have a non-finite gradient (an overflow in the backward pass): stop before the step.
            if (options.GradientClipNorm > 0 && optimizer.ClipGradNorm(options.GradientClipNorm) is var norm && !double.IsFinite(norm))
                throw Diverged($"the gradient norm at iteration {state.Iteration} is {norm}");
            optimizer.Step(learningRate);
            state.LossSum += loss;
            state.LossCount++;

            reason = StopCondition(task, options, state, clock);
            if (state.Iteration % options.EvaluationInterval == 0 || reason != null)
            {
                double? validationLoss = task.ValidationLoss();
                if (validationLoss is double v && options.EarlyStoppingPatience is int patience)
                {
                    if (v < state.BestValidationLoss)
                    {
                        DisposeAll(best);
                        best = ModuleWeights.Snapshot(model);
                        state.EvaluationsSinceBest = 0;
                    }
                    else if (++state.EvaluationsSinceBest >= patience) reason ??= StopReason.EarlyStopping;
                }
                if (validationLoss is double measured) state.BestValidationLoss = Math.Min(state.BestValidationLoss, measured);
                lastLoss = state.LossSum / state.LossCount;
                Report(options, host, state, planned, learningRate, validationLoss, tokensSinceReport / Math.Max(sinceReport.Elapsed.TotalSeconds, 1e-9), clock);
                state.LossSum = 0;
                state.LossCount = 0;
                tokensSinceReport = 0;
                sinceReport.Restart();
            }
            bool cancelled = options.CancellationToken.IsCancellationRequested;
            if (store != null && (state.Iteration % options.CheckpointInterval == 0 || reason != null || cancelled))
            {
                // Without clipping a non-finite gradient reaches the weights unseen; a checkpoint must never keep them.
                if (!optimizer.ParametersAreFinite()) throw Diverged($"the weights after iteration {state.Iteration} are not finite");
                state.RandomState = random.State;
                state.ElapsedSeconds += clock.Elapsed.TotalSeconds;
                clock.Restart();
                store.Save(model, optimizer, state, fingerprint, best, checkpointed?.CaptureState());
            }
            options.CancellationToken.ThrowIfCancellationRequested();
        }

        if (reason == StopReason.EarlyStopping || (best != null && options.EarlyStoppingPatience != null))
        {
            ModuleWeights.Restore(model, best!);
            host.Info($"Kept the weights of the best validation loss ({state.BestValidationLoss:F4}).");
        }
        DisposeAll(best);
        model.eval();
        host.Info($"Training stopped at iteration {state.Iteration}: {reason}.");
        return new TrainingResult(state.Iteration, state.TokensSeen, lastLoss,
            double.IsFinite(state.BestValidationLoss) ? state.BestValidationLoss : null, reason.Value);

        InvalidOperationException Diverged(string what) => new(
            $"Training diverged: {what}. Lower LearningRate (now {options.LearningRate}), raise WarmupIterations or enable GradientClipNorm." +
            (store != null ? $" The last good checkpoint is {store.Path}." : ""));
    }

    /// <summary>The iterations the limits other than time imply: the horizon of the learning-rate schedule.</summary>
    public static int PlannedIterations(ITrainingTask task, TrainerOptionsBase options)
    {
        long tokensPerStep = Math.Max(1, EstimatedTokensPerStep(task, options));
        long limit = options.MaxIterations;
        if (options.MaxEpochs is double epochs) limit = Math.Min(limit, (long)Math.Ceiling(epochs * task.TokensPerEpoch / tokensPerStep));
        if (options.MaxTokens is long tokens) limit = Math.Min(limit, (tokens + tokensPerStep - 1) / tokensPerStep);
        return (int)Math.Max(1, limit);
    }

    private static long EstimatedTokensPerStep(ITrainingTask task, TrainerOptionsBase options) =>
        task is ITokensPerStep known ? known.TokensPerMicroBatch * options.GradientAccumulationSteps : options.BatchSize * options.GradientAccumulationSteps;

    private static StopReason? StopCondition(ITrainingTask task, TrainerOptionsBase options, TrainingState state, Stopwatch clock)
    {
        if (state.Iteration >= options.MaxIterations) return StopReason.MaxIterations;
        if (options.MaxEpochs is double epochs && state.TokensSeen >= epochs * task.TokensPerEpoch) return StopReason.MaxEpochs;
        if (options.MaxTokens is long tokens && state.TokensSeen >= tokens) return StopReason.MaxTokens;
        if (options.MaxTime is TimeSpan time && state.ElapsedSeconds + clock.Elapsed.TotalSeconds >= time.TotalSeconds) return StopReason.MaxTime;
        return null;
    }

    private static FlatAdamW CreateOptimizer(ITrainingTask task, TrainerOptionsBase options)
    {
        var decay = new List<Tensor>();
        var noDecay = new List<Tensor>();
        // Frozen parameters (the base weights under low-rank adapters) get no optimizer state at all.
        foreach (var (name, parameter) in task.Model.named_parameters().Where(p => p.parameter.requires_grad))
            (task.DecaysWeight(name, parameter) ? decay : noDecay).Add(parameter);
        return new FlatAdamW([(decay, options.WeightDecay), (noDecay, 0.0)], options.Beta1, options.Beta2);
    }

    // `planned`: the schedule's horizon (the iterations the limits on iterations, epochs and tokens imply), for the ETA.
    private static void Report(TrainerOptionsBase options, ArmlHost host, TrainingState state, int planned, double learningRate, double? validationLoss,
        double tokensPerSecond, Stopwatch clock)
    {
        double elapsed = state.ElapsedSeconds + clock.Elapsed.TotalSeconds;
        var progress = new TrainingProgress
        {
            Iteration = state.Iteration,
            MaxIterations = planned,
            Loss = state.LossSum / state.LossCount,
            ValidationLoss = validationLoss,
            TokensPerSecond = tokensPerSecond,
            TokensSeen = state.TokensSeen,
            LearningRate = learningRate,
            Elapsed = TimeSpan.FromSeconds(elapsed),
            EstimatedRemaining = TimeSpan.FromSeconds(elapsed / state.Iteration * Math.Max(0, planned - state.Iteration)),
        };
        host.Info(progress.ToString());
        options.Progress?.Report(progress);
    }

    private static void DisposeAll(Dictionary<string, Tensor>? tensors)
    {
        if (tensors == null) return;
        foreach (var t in tensors.Values) t.Dispose();
    }
}

/// <summary>A training task that knows how many positions one micro-batch predicts (sharpens the schedule's horizon).</summary>
internal interface ITokensPerStep
{
    /// <summary>Predicted positions per micro-batch.</summary>
    long TokensPerMicroBatch { get; }
}
