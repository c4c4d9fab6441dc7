using System.Diagnostics;

namespace ArML.Bench;

/// <summary>A competing process: spins one thread per core for the given seconds, as another build or test run would.</summary>
internal static class CpuBurner
{
    public static int Run(string[] args)
    {
        double seconds = args.Length >= 2 && args[0] == "--seconds" ? double.Parse(args[1]) : 30;
        var until = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new Thread(() =>
        {
            double sink = 0;
            while (until.Elapsed.TotalSeconds < seconds)
                for (int i = 0; i < 100_000; i++) sink += Math.Sqrt(i);
            GC.KeepAlive(sink);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return 0;
    }
}
