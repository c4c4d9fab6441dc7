using System.Runtime.InteropServices;
using ArML.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Bench;

/// <summary>
/// The hazard <see cref="KeptScalar"/> avoids, reproduced: two threads add bfloat16 tensors (TorchSharp's <c>a + b</c>
/// passes an implicit alpha Scalar by raw handle) while a third thread collects and runs finalizers; then the same with
/// the alpha kept alive. Prints the failed calls of each way.
/// </summary>
internal static class ScalarLifetimeBenchmark
{
    public static int Run(string[] args)
    {
        TorchRuntime.EnsureInitialized();
        int seconds = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 20;
        foreach (bool kept in new[] { false, true })
        {
            var (calls, failures) = Stress(seconds, kept);
            Console.WriteLine($"{(kept ? "KeptScalar.Add" : "a + b (implicit alpha)"),-24} {calls,10:N0} calls, {failures} failed");
        }
        return 0;
    }

    private static (long Calls, long Failures) Stress(int seconds, bool kept)
    {
        long calls = 0, failures = 0;
        var stop = DateTime.UtcNow.AddSeconds(seconds);
        var threads = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            using var a = randn(64, 128).to_type(ScalarType.BFloat16);
            using var b = randn(64, 128).to_type(ScalarType.BFloat16);
            while (DateTime.UtcNow < stop)
            {
                try
                {
                    using var sum = kept ? KeptScalar.Add(a, b) : a + b;
                    Interlocked.Increment(ref calls);
                }
                catch (ExternalException) { Interlocked.Increment(ref failures); }
                GC.KeepAlive(new byte[1024]);   // allocations, as a training step's make
            }
        })).Append(new Thread(() =>
        {
            while (DateTime.UtcNow < stop)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        return (calls, failures);
    }
}
