using System.Runtime.ExceptionServices;
using ArML.Torch;
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
    private readonly (Tensor Model, Tensor Replica)[] _products;   // the linear layers' parameters (ProductParameters)
    private readonly bool[] _productOnly;                           // by _parameters: reached by the linear layers alone
    private readonly Worker[] _workers;

    private readonly bool _shareCasts;

    private GptDataParallel(GptModel model, bool shareCasts)
    {
        _model = model;
        _shareCasts = shareCasts;
        _replica = new GptModel(model.Config, seed: 0, initialize: false) { ComputeType = model.ComputeType };
        _replica.to(model.parameters().First().device);
        _replica.train();
        var own = _replica.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using (no_grad())
        {
            _parameters = model.named_parameters().Select(p => ((Tensor)p.parameter, (Tensor)own[p.name])).ToArray();
            _products = model.ProductParameters().Zip(_replica.ProductParameters()).ToArray();
            _productOnly = model.named_parameters().Select(p => GptModel.IsProductParameter(p.name)).ToArray();
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
    /// Whether the halves of a bfloat16 step share one cast of each weight (made on both workers, half the weights
    /// each) instead of each half casting every weight; the gradients are the same bit for bit. The benchmark switches it
    /// off to compare.
    /// </summary>
    internal static bool ShareCasts { get; set; } = true;

    /// <summary>
    /// Whether the workers run their shares one after the other instead of at once (the same results): the benchmark's
    /// measure of what running side by side costs each half (gpt-profile contention).
    /// </summary>
    internal bool OneAtATime { get; set; }

    /// <summary>
    /// A data-parallel pair for <paramref name="model"/>, or null where it is not <see cref="Enabled"/> (unless
    /// <paramref name="evenIfDisabled"/>) or does not apply. <paramref name="shareCasts"/>: <see cref="ShareCasts"/> unless given.
    /// Make it after the optimizer: the replica shares the storage the parameters have now, and <see cref="FlatAdamW"/>
    /// re-points them at its flat buffers (the trainer makes the pair at its first step).
    /// </summary>
    public static GptDataParallel? TryCreate(GptModel model, int batch, bool evenIfDisabled = false, bool? shareCasts = null) =>
        (Enabled || evenIfDisabled) && batch >= 2 && torch.get_num_threads() >= 2 && model.Config.Dropout == 0 && !model.HasAdapters
        && model.parameters().All(p => p.requires_grad && p.device_type == DeviceType.CPU)
            ? new GptDataParallel(model, shareCasts ?? ShareCasts) : null;

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
        using var casts = _shareCasts && _model.ComputeType == ScalarType.BFloat16 ? new SharedCasts(this) : null;
        try
        {
            Run(k => losses[k] = k == 0
                ? Half(_model, inputs, targets, 0, first, length, lossScale * first / batch)
                : Half(_replica, inputs, targets, first, second, length, lossScale * second / batch));
        }
        finally
        {
            _model.ProductCasts = _replica.ProductCasts = null;
        }
        // The replica's gradients added on the workers too, each taking every other parameter (the same for every
        // step, so the sums are exactly repeatable).
        Run(k =>
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            for (int i = k; i < _parameters.Length; i += _workers.Length)
            {
                if (casts != null && _productOnly[i]) continue;   // its gradients are the casts' (below)
                var (shared, replica) = _parameters[i];
                KeptScalar.AddInPlace(shared.grad!, replica.grad!);
                replica.grad!.zero_();
            }
            casts?.AddGradients(k);
        });
        return (losses[0] * first + losses[1] * second) / batch;
    }

    // One bfloat16 cast of each linear layer's parameter for both halves: each half multiplies with a leaf of its own
    // over the cast (so each keeps its own gradient), and those gradients are added into the master's afterwards, the
    // model's half first, as the halves' own casts would have added them.
    private sealed class SharedCasts : IDisposable
    {
        private readonly GptDataParallel _owner;
        private readonly Tensor[] _casts;
        private readonly Tensor[] _modelLeaves, _replicaLeaves;

        public SharedCasts(GptDataParallel owner)
        {
            _owner = owner;
            var products = owner._products;
            _casts = new Tensor[products.Length];
            owner.Run(k =>
            {
                using var noGrad = no_grad();
                for (int i = k; i < products.Length; i += owner._workers.Length) _casts[i] = products[i].Model.to_type(ScalarType.BFloat16);
            });
            _modelLeaves = _casts.Select(c => c.detach().requires_grad_(true)).ToArray();
            _replicaLeaves = _casts.Select(c => c.detach().requires_grad_(true)).ToArray();
            owner._model.ProductCasts = Leaves(p => p.Model, _modelLeaves);
            owner._replica.ProductCasts = Leaves(p => p.Replica, _replicaLeaves);
        }

        private Dictionary<Tensor, Tensor> Leaves(Func<(Tensor Model, Tensor Replica), Tensor> master, Tensor[] leaves)
        {
            var byMaster = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
            for (int i = 0; i < leaves.Length; i++) byMaster.Add(master(_owner._products[i]), leaves[i]);
            return byMaster;
        }

        // Worker k's share (every other parameter); called under no_grad inside a dispose scope.
        public void AddGradients(int k)
        {
            for (int i = k; i < _casts.Length; i += _owner._workers.Length)
            {
                var master = _owner._products[i].Model;
                Add(master, _modelLeaves[i]);
                Add(master, _replicaLeaves[i]);
            }
        }

        private static void Add(Tensor master, Tensor leaf)
        {
            if (leaf.grad is not Tensor grad) return;   // that half's loss did not reach it
            if (master.grad is Tensor sum) KeptScalar.AddInPlace(sum, grad);
            else master.grad = grad.to_type(master.dtype).DetachFromDisposeScope();
        }

        public void Dispose()
        {
            foreach (var t in _modelLeaves.Concat(_replicaLeaves).Concat(_casts)) t.Dispose();
        }
    }

    private static double Half(GptModel model, long[] inputs, long[] targets, int row, int rows, int length, double scale)
    {
        using var scope = NewDisposeScope();
        var x = tensor(inputs.AsSpan(row * length, rows * length).ToArray(), [rows, length]);
        var y = tensor(targets.AsSpan(row * length, rows * length).ToArray(), [rows * length]);
        var loss = nn.functional.cross_entropy(model.call(x).view(-1, model.Config.VocabularySize), y);
        KeptScalar.With(scale, s => loss.mul(s)).backward();
        return loss.item<float>();
    }

    /// <inheritdoc/>
    public int Count => _workers.Length;

    /// <inheritdoc/>
    public void Run(Action<int> work)
    {
        Exception? first = null;
        for (int i = 0; i < _workers.Length; i++)
        {
            int k = i;
            _workers[k].Start(() => work(k));
            if (OneAtATime) Collect(_workers[k], ref first);
        }
        if (!OneAtATime) foreach (var w in _workers) Collect(w, ref first);
        if (first != null) ExceptionDispatchInfo.Throw(first);

        // Waits for a worker, keeping the first error any worker raised (all are waited for before it is thrown).
        static void Collect(Worker w, ref Exception? first)
        {
            try { w.Wait(); }
            catch (Exception e) { first ??= e; }
        }
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
