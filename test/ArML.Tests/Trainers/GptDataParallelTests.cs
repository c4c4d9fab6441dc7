using ArML.Tests.Support;
using ArML.Torch;
using ArML.Trainers.Gpt;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers;

public class GptDataParallelTests
{
    [Fact]
    public void TwoHalvesGiveTheWholeBatchsLossAndGradients()
    {
        TorchRuntime.EnsureInitialized();
        var config = new GptConfig(11, 8, 2, 2, 16, 0, Bias: true);
        const int batch = 5, length = 8;   // odd: halves of 3 and 2 rows, weighted by their rows
        var (inputs, targets) = RandomBatch(seed: 4, batch * length);

        using var model = new GptModel(config, seed: 3);
        model.train();
        using var parallel = GptDataParallel.TryCreate(model, batch, evenIfDisabled: true);
        if (parallel is null) return;   // one libtorch thread: the trainer takes the one-pass path
        double loss = parallel.ForwardBackward(inputs, targets, batch, length, lossScale: 0.5);

        // Float64 reference: the same weights, one pass over the whole batch.
        using var reference = new GptModel(config, seed: 3);
        reference.to(ScalarType.Float64);
        reference.train();
        var expected = nn.functional.cross_entropy(reference.call(tensor(inputs, [batch, length])).view(-1, 11), tensor(targets));
        KeptScalar.Mul(expected, 0.5).backward();
        Assert.Equal(expected.item<double>(), loss, Float32Rounding.Sum(batch * length, config.MlpWidth, Math.Log(11)));
        var grads = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        foreach (var (name, p) in model.named_parameters())
        {
            double[] actual = p.grad!.to_type(ScalarType.Float64).data<double>().ToArray();
            double[] want = grads[name].data<double>().ToArray();
            double scale = want.Max(Math.Abs);
            double tolerance = Float32Rounding.Sum(batch * length, config.MlpWidth, Math.Max(scale, 1e-3));
            for (int i = 0; i < want.Length; i++)
                Assert.True(Math.Abs(actual[i] - want[i]) <= tolerance, $"{name}[{i}]: {actual[i]} vs {want[i]} (tolerance {tolerance:E2})");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BFloat16HalvesSharingOneCastGiveTheGradientsOfTheirOwnCasts(bool tiedHead)
    {
        TorchRuntime.EnsureInitialized();
        var config = new GptConfig(11, 8, 2, 2, 16, 0, Bias: true, TiedHead: tiedHead);
        const int batch = 5, length = 8;
        var (inputs, targets) = RandomBatch(seed: 6, batch * length);

        (double Loss, Dictionary<string, float[]> Grads)? Step(bool share)
        {
            using var model = new GptModel(config, seed: 5) { ComputeType = ScalarType.BFloat16 };
            model.train();
            using var parallel = GptDataParallel.TryCreate(model, batch, evenIfDisabled: true, shareCasts: share);
            if (parallel is null) return null;   // one libtorch thread: no halves
            // Twice: the second step adds onto gradients that exist, as gradient accumulation does, and multiplies
            // with weights changed in between, as after an optimizer step (the shared casts are kept between steps).
            double loss = parallel.ForwardBackward(inputs, targets, batch, length, lossScale: 0.5);
            using (no_grad())
                foreach (var p in model.parameters()) KeptScalar.MulInPlace(p, 0.75);
            loss += parallel.ForwardBackward(targets, inputs, batch, length, lossScale: 0.25);
            return (loss, model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.data<float>().ToArray()));
        }

        if (Step(share: false) is not var (ownLoss, own) || Step(share: true) is not var (sharedLoss, shared)) return;
        Assert.Equal(ownLoss, sharedLoss);   // the same forward passes: the casts hold the same values
        // The same bfloat16 products, and their gradients added into the float32 ones in the same order: bit for bit.
        foreach (var (name, want) in own)
        {
            float[] actual = shared[name];
            for (int i = 0; i < want.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(actual[i]) == BitConverter.SingleToInt32Bits(want[i]), $"{name}[{i}]: {actual[i]} vs {want[i]}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PhasesInOneHandOffGiveTheGradientsOfOneHandOffEach(bool bfloat16)
    {
        TorchRuntime.EnsureInitialized();
        var config = new GptConfig(11, 8, 2, 2, 16, 0, Bias: true);
        const int batch = 4, length = 8;
        var (inputs, targets) = RandomBatch(seed: 5, batch * length);

        (double Loss, float[][] Gradients)? Step(bool fused)
        {
            using var model = new GptModel(config, seed: 6) { ComputeType = bfloat16 ? ScalarType.BFloat16 : ScalarType.Float32 };
            model.train();
            using var parallel = GptDataParallel.TryCreate(model, batch, evenIfDisabled: true, shareCasts: true);
            if (parallel is null) return null;   // one libtorch thread: no halves
            parallel.FusePhases = fused;
            double loss = 0;
            for (int step = 0; step < 2; step++) loss = parallel.ForwardBackward(inputs, targets, batch, length, 0.5);   // gradients added twice
            return (loss, model.parameters().Select(p => p.grad!.data<float>().ToArray()).ToArray());
        }

        if (Step(fused: false) is not var (wantLoss, want) || Step(fused: true) is not var (loss, actual)) return;
        Assert.Equal(wantLoss, loss);
        for (int i = 0; i < want.Length; i++)
            for (int j = 0; j < want[i].Length; j++)
                Assert.True(BitConverter.SingleToInt32Bits(actual[i][j]) == BitConverter.SingleToInt32Bits(want[i][j]), $"parameter {i}[{j}]: {actual[i][j]} vs {want[i][j]}");
    }

    [Theory]
    [InlineData(0)]   // the model's half, on the first worker
    [InlineData(1)]   // the replica's half, on the second
    public async Task AHalfThatFailsIsReportedWithoutHoldingTheOtherWorker(int failingHalf)
    {
        TorchRuntime.EnsureInitialized();
        var config = new GptConfig(11, 8, 2, 2, 16, 0, Bias: false);
        const int batch = 4, length = 8;
        var (inputs, targets) = RandomBatch(seed: 7, batch * length);
        long[] failing = targets.ToArray();
        failing[failingHalf * batch / 2 * length] = 99;   // a target out of the vocabulary in that half's first row

        using var model = new GptModel(config, seed: 8) { ComputeType = ScalarType.BFloat16 };
        model.train();
        // Disposed only after both steps returned: a worker held at a barrier would hold the disposal (it joins the threads).
        var parallel = GptDataParallel.TryCreate(model, batch, evenIfDisabled: true, shareCasts: true);
        if (parallel is null) return;
        // The other worker waits at the barrier after its half: it must be let go, and the error must reach the caller.
        var error = await Record.ExceptionAsync(() => Task.Run(() => parallel.ForwardBackward(inputs, failing, batch, length, 1.0)).WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.NotNull(error);
        Assert.False(error is TimeoutException, "the failed step did not return within 60 s");
        // The next step runs on the same workers, with barriers of its own.
        double loss = await Task.Run(() => parallel.ForwardBackward(inputs, targets, batch, length, 1.0)).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(double.IsFinite(loss));
        parallel.Dispose();
    }

    [Fact]
    public void AFailedBFloat16StepLeavesNoGradientForTheNext()
    {
        TorchRuntime.EnsureInitialized();
        var config = new GptConfig(11, 8, 2, 2, 16, 0, Bias: false);
        const int batch = 4, length = 8;
        var (inputs, targets) = RandomBatch(seed: 3, batch * length);
        // A target out of the vocabulary in the second half's rows: the first half's backward pass has run (its casts'
        // leaves hold gradients) when the second half's loss throws.
        long[] failing = targets.ToArray();
        failing[^1] = 99;

        float[][]? Gradients(bool failFirst)
        {
            using var model = new GptModel(config, seed: 4) { ComputeType = ScalarType.BFloat16 };
            model.train();
            using var parallel = GptDataParallel.TryCreate(model, batch, evenIfDisabled: true, shareCasts: true);
            if (parallel is null) return null;   // one libtorch thread: no halves
            if (failFirst)
            {
                Assert.ThrowsAny<Exception>(() => parallel.ForwardBackward(inputs, failing, batch, length, 1.0));
                using (no_grad())
                    foreach (var p in model.parameters()) p.grad?.zero_();   // as the optimizer's reset before a step
            }
            parallel.ForwardBackward(inputs, targets, batch, length, 1.0);
            return model.parameters().Select(p => p.grad!.data<float>().ToArray()).ToArray();
        }

        if (Gradients(failFirst: false) is not float[][] want || Gradients(failFirst: true) is not float[][] actual) return;
        for (int i = 0; i < want.Length; i++) Assert.Equal(want[i], actual[i]);
    }

    [Fact]
    public void EachHalfRunsOnHalfOfLibtorchsThreads()
    {
        TorchRuntime.EnsureInitialized();
        using var model = new GptModel(new GptConfig(11, 8, 1, 2, 16, 0, Bias: false), seed: 1);
        using var parallel = GptDataParallel.TryCreate(model, 4, evenIfDisabled: true);
        if (parallel is null) return;   // one libtorch thread: no halves
        int threads = torch.get_num_threads();
        var random = new Random(2);
        long[] ids = Enumerable.Range(0, 4 * 8).Select(_ => (long)random.Next(11)).ToArray();
        parallel.ForwardBackward(ids, ids, 4, 8, 1.0);
        // After operations ran on the workers (libtorch settles a thread's count at its first operation), and with
        // the process-wide count back where it was.
        Assert.All(parallel.WorkerThreads(), n => Assert.Equal(Math.Max(1, threads / 2), n));
        Assert.Equal(threads, torch.get_num_threads());
    }

    [Fact]
    public void DropoutAndAdaptersKeepTheOnePassPath()
    {
        TorchRuntime.EnsureInitialized();
        using var withDropout = new GptModel(new GptConfig(11, 8, 1, 2, 16, 0.1, Bias: false), seed: 1);
        Assert.Null(GptDataParallel.TryCreate(withDropout, 4, evenIfDisabled: true));
        using var plain = new GptModel(new GptConfig(11, 8, 1, 2, 16, 0, Bias: false), seed: 1);
        Assert.Null(GptDataParallel.TryCreate(plain, 1, evenIfDisabled: true));
    }

    // Ids and next-ids of a batch drawn from the tests' 11-token vocabulary, row-major.
    private static (long[] Inputs, long[] Targets) RandomBatch(int seed, int positions)
    {
        var random = new Random(seed);
        long[] inputs = Enumerable.Range(0, positions).Select(_ => (long)random.Next(11)).ToArray();
        return (inputs, Enumerable.Range(0, positions).Select(_ => (long)random.Next(11)).ToArray());
    }
}
