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
    private readonly int[] _parameterWorker;                        // by _parameters: the worker that adds its replica's gradient
    private readonly Worker[] _workers;

    private readonly bool _shareCasts;
    private SharedCasts? _casts;   // made at the first bfloat16 step that shares casts

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
        _parameterWorker = Balance(_parameters.Select(p => p.Model));
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
    /// Whether a step's phases on the workers (the casts' refresh, the halves, the gradients' sums) run in one hand-off
    /// with barriers between them (default) instead of one hand-off each, with the same results: the benchmark's
    /// comparison (gpt-profile fuse-ab).
    /// </summary>
    internal bool FusePhases { get; set; } = true;

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
        var casts = _shareCasts && _model.ComputeType == ScalarType.BFloat16 ? _casts ??= new SharedCasts(this) : null;
        try
        {
            casts?.HandOut();
            try
            {
                var halves = (Action<int>)(k => losses[k] = k == 0
                    ? Half(_model, inputs, targets, 0, first, length, lossScale * first / batch)
                    : Half(_replica, inputs, targets, first, second, length, lossScale * second / batch));
                // The replica's gradients added on the workers too, each parameter by the same worker at every step (so
                // the sums are exactly repeatable).
                var sums = (Action<int>)(k => AddReplicaGradients(k, casts));
                if (casts is null) RunPhases(halves, sums);
                else RunPhases(casts.Refresh, halves, sums);
            }
            finally
            {
                _model.ProductCasts = _replica.ProductCasts = null;
            }
        }
        catch
        {
            casts?.ClearGradients();   // the next step must not add this one's
            throw;
        }
        return (losses[0] * first + losses[1] * second) / batch;
    }

    // Worker k's share of the gradients' sums: the replica's added into the model's (the casts' leaves' by the casts).
    private void AddReplicaGradients(int k, SharedCasts? casts)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (_parameterWorker[i] != k || casts != null && _productOnly[i]) continue;   // the casts' (below)
            var (shared, replica) = _parameters[i];
            KeptScalar.AddInPlace(shared.grad!, replica.grad!);
            replica.grad!.zero_();
        }
        casts?.AddGradients(k);
    }

    // Runs the phases in order, each on every worker, a worker starting a phase once all have ended the one before:
    // one hand-off to the workers for the lot, with barriers between the workers themselves. Each hand-off through
    // this thread cost about 0.1 ms of waking and 0.04 of collecting (measured: 0.7-1.2 ms a step over six).
    private void RunPhases(params Action<int>[] phases)
    {
        if (OneAtATime || !FusePhases)
        {
            foreach (var phase in phases) Run(phase);
            return;
        }
        using var barrier = new Barrier(_workers.Length);
        Run(k =>
        {
            try
            {
                for (int i = 0; i < phases.Length; i++)
                {
                    if (i > 0) barrier.SignalAndWait();
                    phases[i](k);
                }
            }
            catch
            {
                barrier.RemoveParticipant();   // the others' barriers stop waiting for this worker
                throw;
            }
        });
    }

    // Which worker takes each tensor, so that their shares of a pass over all of them take equally long: each tensor
    // whole, to the worker with the least so far, largest first; a call's fixed cost (~1.5 us) counts as 8192 elements
    // (~0.18 ns each added, op-cost). Measured on nanoGPT's small model with biases, bfloat16: taking every other tensor
    // gave one worker all the weights, 0.74 ms against 0.27 in the gradients' sum (this: 0.51 and 0.52); splitting
    // every tensor in two made the step slower still (its small tensors' extra calls).
    private int[] Balance(IEnumerable<Tensor> tensors)
    {
        long[] costs = tensors.Select(t => t.numel() + 8192).ToArray();
        var worker = new int[costs.Length];
        var load = new long[_workers.Length];
        foreach (int i in Enumerable.Range(0, costs.Length).OrderByDescending(i => costs[i]).ThenBy(i => i))
        {
            worker[i] = Array.IndexOf(load, load.Min());
            load[worker[i]] += costs[i];
        }
        return worker;
    }

    // One bfloat16 cast of each linear layer's parameter for both halves, kept from step to step (refreshed, not made
    // again: made each step it cost 0.35-0.56 ms more a step, measured): each half multiplies with a leaf of its own over
    // the cast (so each keeps its own gradient), and those gradients are added into the master's afterwards, the model's
    // half first, as the halves' own casts would have added them.
    private sealed class SharedCasts : IDisposable
    {
        private readonly GptDataParallel _owner;
        private readonly Tensor[] _casts;
        private readonly Tensor[] _modelLeaves, _replicaLeaves;
        private readonly Dictionary<Tensor, Tensor> _modelByMaster, _replicaByMaster;
        private readonly int[] _worker;   // by linear layer's parameter: the worker that casts it and adds its gradients

        public SharedCasts(GptDataParallel owner)
        {
            _owner = owner;
            using var noGrad = no_grad();
            var masters = owner._products.Select(p => p.Model).ToArray();
            _casts = masters.Select(m => empty_like(m, dtype: ScalarType.BFloat16).DetachFromDisposeScope()).ToArray();
            _modelLeaves = _casts.Select(c => c.detach().requires_grad_(true).DetachFromDisposeScope()).ToArray();
            _replicaLeaves = _casts.Select(c => c.detach().requires_grad_(true).DetachFromDisposeScope()).ToArray();
            _modelByMaster = Leaves(p => p.Model, _modelLeaves);
            _replicaByMaster = Leaves(p => p.Replica, _replicaLeaves);
            _worker = owner.Balance(masters);
        }

        private Dictionary<Tensor, Tensor> Leaves(Func<(Tensor Model, Tensor Replica), Tensor> master, Tensor[] leaves)
        {
            var byMaster = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
            for (int i = 0; i < leaves.Length; i++) byMaster.Add(master(_owner._products[i]), leaves[i]);
            return byMaster;
        }

        // Hands the casts to the two halves (made current by Refresh before either multiplies).
        public void HandOut()
        {
            _owner._model.ProductCasts = _modelByMaster;
            _owner._replica.ProductCasts = _replicaByMaster;
        }

        // Worker k's share of casting the masters' current values.
        public void Refresh(int k)
        {
            var products = _owner._products;
            using var noGrad = no_grad();
            for (int i = 0; i < products.Length; i++)
                if (_worker[i] == k) _casts[i].copy_(products[i].Model);
        }

        // Worker k's share; called under no_grad inside a dispose scope. Frees the leaves' gradients after adding
        // them: the next backward pass makes new ones instead of adding into these.
        public void AddGradients(int k)
        {
            for (int i = 0; i < _casts.Length; i++)
            {
                if (_worker[i] != k) continue;
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
            leaf.grad = null;
        }

        // After a failed step: the leaves' gradients, as far as they were made.
        public void ClearGradients()
        {
            foreach (var leaf in _modelLeaves.Concat(_replicaLeaves)) leaf.grad = null;
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
        _casts?.Dispose();
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
