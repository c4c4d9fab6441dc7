using System.Diagnostics;
using System.Globalization;

namespace ArML.Bench;

/// <summary>
/// The training step under each OpenMP wait policy, on an idle machine and while a competing process spins on
/// every core. Each measurement runs in a fresh process, because the policy is fixed when libtorch loads.
/// Baseline: ArML's default (brief spin) on the idle machine, measured in the same run; the shared reference figure
/// (213 ms, 2 threads, default policy) is printed beside it.
/// </summary>
internal static class ThreadingBenchmark
{
    public static int Run()
    {
        Console.WriteLine("GPT training step (vocab 8000, width 256, 4 layers, context 128, batch 8); median of 15 steps.");
        Console.WriteLine("Reference on this machine kind (shared/reference/torchsharp.md): 213 ms idle, 2 threads, default policy.");
        var rows = new List<(string Name, double Ms)>();
        foreach (var (policy, threads) in new[] { ("briefspin", 2), ("passive", 2), ("active", 2), ("librarydefault", 2), ("briefspin", 1) })
            rows.Add(($"{policy,-14} {threads} thr, idle", Measure(policy, threads, contended: false)));
        foreach (var policy in new[] { "briefspin", "passive", "active", "librarydefault" })
            rows.Add(($"{policy,-14} 2 thr, contended", Measure(policy, 2, contended: true)));

        double baseline = rows[0].Ms;
        Console.WriteLine();
        Console.WriteLine($"{"scenario",-30} {"ms/step",9} {"tokens/s",9} {"vs default idle",16}");
        foreach (var (name, ms) in rows)
            Console.WriteLine($"{name,-30} {ms,9:F1} {1024 / (ms / 1000),9:F0} {ms / baseline,15:F2}x");
        return 0;
    }

    private static double Measure(string policy, int threads, bool contended)
    {
        Process? burner = contended ? StartSelf("burn --seconds 120") : null;
        try
        {
            if (burner != null) Thread.Sleep(1000);
            using var child = StartSelf($"step --policy {policy} --threads {threads}");
            string output = child.StandardOutput.ReadToEnd();
            child.WaitForExit();
            var field = output.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(f => f.StartsWith("step_ms=", StringComparison.Ordinal))
                ?? throw new InvalidOperationException("The step benchmark printed no result: " + output + child.StandardError.ReadToEnd());
            return double.Parse(field["step_ms=".Length..], CultureInfo.InvariantCulture);
        }
        finally
        {
            if (burner != null) { burner.Kill(entireProcessTree: true); burner.Dispose(); }
        }
    }

    // Runs this benchmark program again (as "dotnet ArML.Bench.dll ..." or as the apphost) with other arguments.
    private static Process StartSelf(string arguments)
    {
        string self = Environment.ProcessPath!;
        bool viaDotnet = Path.GetFileNameWithoutExtension(self) == "dotnet";
        var info = new ProcessStartInfo(self, viaDotnet ? $"\"{typeof(ThreadingBenchmark).Assembly.Location}\" {arguments}" : arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment.Remove("OMP_WAIT_POLICY");   // let --policy decide, as ArML's bootstrap does
        info.Environment.Remove("GOMP_SPINCOUNT");
        return Process.Start(info)!;
    }
}
