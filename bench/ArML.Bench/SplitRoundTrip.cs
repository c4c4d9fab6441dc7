using System.Diagnostics;
using ArML.Torch;
using ArML.Trainers.Gpt;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Bench;

/// <summary>
/// What handing work to the data-parallel pair's two threads costs: an empty <c>Run</c> (median and p90 of 2,000),
/// right after the last one and after the caller has been busy for 20 µs to 1 ms (the workers block after a while).
/// A training step makes about six such calls.
/// </summary>
internal static class SplitRoundTrip
{
    public static int Run()
    {
        TorchRuntime.EnsureInitialized();
        torch.set_num_threads(2);
        using var model = new GptModel(new GptConfig(65, 64, 4, 4, 128, 0, Bias: false), seed: 1);
        using var split = GptDataParallel.TryCreate(model, 12, evenIfDisabled: true)
            ?? throw new InvalidOperationException("GptDataParallel needs two libtorch threads.");
        foreach (int gap in new[] { 0, 20, 100, 1000 })
        {
            var microseconds = new List<double>();
            for (int i = 0; i < 2000; i++)
            {
                var busy = Stopwatch.StartNew();
                while (busy.Elapsed.TotalMicroseconds < gap) { }
                var clock = Stopwatch.StartNew();
                split.Run(_ => { });
                microseconds.Add(clock.Elapsed.TotalMicroseconds);
            }
            Console.WriteLine($"after {gap,4} us busy: an empty Run takes {Measurements.Median(microseconds):F1} us (p90 {Measurements.Percentile(microseconds, 0.9):F1})");
        }
        return 0;
    }
}
