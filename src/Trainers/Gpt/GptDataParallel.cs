using System.Runtime.ExceptionServices;
using ArML.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Trainers.Gpt;

/// <summary>
/// Trains the two halves of a batch at once, each on its own thread with half of libtorch's threads: the model and a replica
/// whose parameters share the model's storage but keep their own gradients, added into the model's after both
/// backward passes.
/// </summary>
/// <remarks>
/// At small widths (nanoGPT's CPU configuration multiplies 768×128 matrices) most of libtorch's operations are too
/// small to split across OpenMP threads, and waking the second OpenMP thread for each costs more than it saves (an
/// AdamW step took 3 ms on two threads, 2 ms on one); two whole passes side by side keep both cores busy. Each half
/// runs in a fixed order on a fixed thread count and the gradients are added in a fixed order, so a run is exactly
/// repeatable and resumable. The workers also serve as <see cref="IThreadShards"/> for the optimizer. The
/// loss is the same mean over the batch's positions (the halves' means weighted by their rows), though its float32
/// rounding differs from one pass over the whole batch. Used only where the replica computes what the model would:
/// no dropout (its random draws would depend on the threads' timing) and no frozen parameters (adapters).
/// </remarks>
internal sealed class GptDataParallel : IThreadShards, IDisposable
{
    private readonly GptModel _model;
    private readonly GptModel _replica;
    private readonly (Tensor Model, Tensor Replica)[] _parameters;
    private readonly Worker[] _workers;

    private GptDataParallel(GptModel model)
    {
        _model = model;
        _replica = new GptModel(model.Config, seed: 0, initialize: false) { ComputeType = model.ComputeType };
        _replica.to(model.parameters().First().device);
        _replica.train();
        var own = _replica.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using (no_grad())
        {
            _parameters = model.named_parameters().Select(p => ((Tensor)p.parameter, (Tensor)own[p.name])).ToArray();
            foreach (var (shared, replica) in _parameters)
            {
                replica.set_(shared);   // the same storage: the optimizer's in-place updates reach both
                replica.grad = zeros_like(shared).DetachFromDisposeScope();   // lives as long as the replica
            }
        }
        // Each worker keeps half of libtorch's threads; setting them also sets libtorch's process-wide count, restored here.
        int threads = torch.get_num_threads();
        _workers = [new Worker("ArML GPT shard 0", Math.Max(1, threads / 2)), new Worker("ArML GPT shard 1", Math.Max(1, threads / 2))];
        torch.set_num_threads(threads);
    }

    /// <summary>
    /// Whether trainers split batches where it applies. On: measured idle in gpt-speed (two threads, interleaved with
    /// the trainer on libtorch's own two intra-op threads, nanoGPT's small configuration) 40.4k against 35.9k tokens/s
    /// in float32 and 46.1k against 39.9k in bfloat16, and 7.6k against 5.1k in bfloat16 at the baby configuration.
    /// (It measured slower before the workers kept their own thread count.) The benchmark switches it off to keep
    /// measuring both ways.
    /// </summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>
    /// A data-parallel pair for <paramref name="model"/>, or null where it is not <see cref="Enabled"/> (unless
    /// <paramref name="evenIfDisabled"/>) or does not apply.
    /// </summary>
    public static GptDataParallel? TryCreate(GptModel model, int batch, bool evenIfDisabled = false) =>
        (Enabled || evenIfDisabled) && batch >= 2 && torch.get_num_threads() >= 2 && model.Config.Dropout == 0 && !model.HasAdapters
        && model.parameters().All(p => p.requires_grad && p.device_type == DeviceType.CPU)
            ? new GptDataParallel(model) : null;

    /// <summary>
    /// Forward and backward passes of the batch <paramref name="inputs"/> → <paramref name="targets"/> ((B·T) ids,
    /// row-major) split in two halves of rows; the gradients of <paramref name="lossScale"/> × the batch's mean loss
    /// are added into the model's. Returns the batch's mean loss.
    /// </summary>
    public double ForwardBackward(long[] inputs, long[] targets, int batch, int length, double lossScale)
    {
        int first = (batch + 1) / 2, second = batch - first;
        var losses = new double[2];
        _replica.ComputeType = _model.ComputeType;
        Run(k => losses[k] = k == 0
            ? Half(_model, inputs, targets, 0, first, length, lossScale * first / batch)
            : Half(_replica, inputs, targets, first, second, length, lossScale * second / batch));
        // The replica's gradients added on the workers too, each taking every other parameter (the same for every
        // step, so the sums are exactly repeatable).
        Run(k =>
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            for (int i = k; i < _parameters.Length; i += _workers.Length)
            {
                var (shared, replica) = _parameters[i];
                shared.grad!.add_(replica.grad!);
                replica.grad!.zero_();
            }
        });
        return (losses[0] * first + losses[1] * second) / batch;
    }

    private static double Half(GptModel model, long[] inputs, long[] targets, int row, int rows, int length, double scale)
    {
        using var scope = NewDisposeScope();
        var x = tensor(inputs.AsSpan(row * length, rows * length).ToArray(), [rows, length]);
        var y = tensor(targets.AsSpan(row * length, rows * length).ToArray(), [rows * length]);
        var loss = nn.functional.cross_entropy(model.call(x).view(-1, model.Config.VocabularySize), y);
        (loss * scale).backward();
        return loss.item<float>();
    }

    /// <inheritdoc/>
    public int Count => _workers.Length;

    /// <inheritdoc/>
    public void Run(Action<int> work)
    {
        for (int i = 0; i < _workers.Length; i++)
        {
            int k = i;
            _workers[k].Start(() => work(k));
        }
        Exception? first = null;
        foreach (var w in _workers)
        {
            try { w.Wait(); }
            catch (Exception e) { first ??= e; }
        }
        if (first != null) ExceptionDispatchInfo.Throw(first);
    }

    /// <summary>libtorch's thread count as each worker's operations see it.</summary>
    internal int[] WorkerThreads()
    {
        var counts = new int[_workers.Length];
        Run(k => counts[k] = torch.get_num_threads());
        return counts;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var w in _workers) w.Dispose();
        _replica.Dispose();
    }

    // A long-lived thread with its own libtorch thread count (set once: libtorch clears oneDNN's kernel cache at every change).
    private sealed class Worker : IDisposable
    {
        private readonly Thread _thread;
        private readonly SemaphoreSlim _go = new(0);
        private readonly SemaphoreSlim _done = new(0);
        private Action? _work;
        private Exception? _error;

        private readonly int _threads;

        public Worker(string name, int threads)
        {
            _threads = threads;
            _thread = new Thread(Loop) { IsBackground = true, Name = name };
            _thread.Start();
            _done.Wait();   // its thread count is set
        }

        public void Start(Action work)
        {
            _work = work;
            _go.Release();
        }

        public void Wait()
        {
            _done.Wait();
            if (_error is Exception e)
            {
                _error = null;
                ExceptionDispatchInfo.Throw(e);
            }
        }

        private void Loop()
        {
            // libtorch sets a thread's OpenMP count from its process-wide count lazily, at the thread's first
            // operation, so asking for the count in between makes that happen now; the second call then sets this
            // thread's own count, whatever the process-wide one is later. Setting it once let the first operation
            // replace it with the process-wide count the constructor restores: each worker ran the process's two
            // OpenMP threads, four on two cores (measured: 31 ms for the pair of halves against 14 ms for one alone).
            torch.set_num_threads(_threads);
            _ = torch.get_num_threads();
            torch.set_num_threads(_threads);
            _done.Release();
            while (true)
            {
                _go.Wait();
                if (_work is not Action work) return;
                try { work(); }
                catch (Exception e) { _error = e; }
                _done.Release();
            }
        }

        public void Dispose()
        {
            _work = null;
            _go.Release();
            _thread.Join();
            _go.Dispose();
            _done.Dispose();
        }
    }
}
