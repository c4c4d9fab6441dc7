using ArML.Torch;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Core;

/// <summary>Runs alone: glibc's allocator settings are the process's, and any training elsewhere would hold the heap too.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeHeapCollection
{
    public const string Name = "glibc's heap, alone";
}

[Collection(NativeHeapCollection.Name)]
public class NativeHeapTests
{
    // 96 MiB in 8 MiB tensors, written and freed over and over. (Whether glibc would have kept them without the settings
    // depends on what else lies in the same arena, so the settings' effect on training is measured in the bench instead:
    // gpt-profile with and without "heap-returned".)
    private const int Blocks = 12;
    private const long BlockFloats = 2L << 20;
    private const long Pages = Blocks * BlockFloats * sizeof(float) / 4096;

    [Fact]
    public void WhenTrainingEndsTheFreedMemoryIsHandedBack()
    {
        TorchRuntime.EnsureInitialized();
        // Every round on one thread of its own, as a training's halves run: the same glibc arena throughout.
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try { HandBack(); }
            catch (Exception e) { error = e; }
        });
        thread.Start();
        thread.Join();
        if (error != null) throw error;
    }

    private static void HandBack()
    {
        var scope = NativeHeap.KeepWhileTraining();
        if (!NativeHeap.Held) return;   // not Linux with glibc
        var nested = NativeHeap.KeepWhileTraining();   // two trainings at once: the first to end keeps the heap
        try
        {
            SettledFaults();
            scope.Dispose();
            Assert.True(NativeHeap.Held);
            Assert.True(SettledFaults() < Pages / 4, "the heap was handed back while another training still held it");
        }
        finally
        {
            scope.Dispose();
            nested.Dispose();
            nested.Dispose();   // a second dispose does nothing
        }
        Assert.False(NativeHeap.Held);
        // malloc_trim gives back every free block inside a heap, but not a thread arena's free top (that goes at the
        // arena's next free beyond the trim threshold): the top lies in its newest 64 MiB heap, so at least 32 of the
        // 96 MiB are given back (measured 12,287 to 24,629 faults; none without malloc_trim).
        long faults = FillAndFree();
        Assert.True(faults > Pages / 4, $"only {faults} page faults refilling {Pages} pages after training handed its memory back");
    }

    [Fact]
    public void TheOptionOffOrTheEnvironmentsOwnSettingsLeaveGlibcAlone()
    {
        TorchRuntime.EnsureInitialized();
        var options = TorchRuntime.Options;
        TorchRuntime.Configure(options with { KeepNativeMemoryWhileTraining = false });
        try
        {
            using var scope = NativeHeap.KeepWhileTraining();
            Assert.False(NativeHeap.Held);
        }
        finally
        {
            TorchRuntime.Configure(options);
        }
        foreach (var (name, value) in new[] { ("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=1048576"), ("MALLOC_TOP_PAD_", "1048576") })
        {
            string? before = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, value);
            try
            {
                using var scope = NativeHeap.KeepWhileTraining();
                Assert.False(NativeHeap.Held, $"{name}={value} is the environment's own malloc setting");
            }
            finally
            {
                Environment.SetEnvironmentVariable(name, before);
            }
        }
    }

    // The fewest faults of rounds 3-6: the first round takes the pages, and for a round or two more some fault again while
    // glibc's free lists settle (measured: 24,629, 10,242, then 0 and 0; another run 6,443 in its third).
    private static long SettledFaults() => Enumerable.Range(0, 6).Select(_ => FillAndFree()).Skip(2).Min();

    // Allocates the blocks, writes every page, frees them; returns the process's minor page faults meanwhile (libtorch's
    // own threads write parts of each block; nothing else runs beside this collection).
    private static long FillAndFree()
    {
        // Every handle disposed here, fill_'s returned alias included: one left to the finalizer keeps its block alive.
        using var scope = NewDisposeScope();
        long before = MinorFaults();
        var blocks = new Tensor[Blocks];
        for (int i = 0; i < Blocks; i++)
        {
            blocks[i] = empty(BlockFloats, ScalarType.Float32);
            KeptScalar.With(1.0, s => blocks[i].fill_(s));
        }
        long after = MinorFaults();
        Assert.Equal(Blocks * BlockFloats, blocks.Sum(b => b.sum().item<float>()));
        return after - before;
    }

    // Field 10 of /proc/self/stat, counted after the command name's closing parenthesis.
    private static long MinorFaults()
    {
        string stat = File.ReadAllText("/proc/self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], System.Globalization.CultureInfo.InvariantCulture);
    }
}
