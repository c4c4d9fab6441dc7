using System.Diagnostics;
using System.Text.Json;

namespace ArML.Bench;

/// <summary>A nanoGPT peer result (shared/peers/run.sh nanogpt-small or nanogpt-baby): its speed and, after ≥ 2000 iterations, its final validation loss.</summary>
internal sealed record NanoGptResult(string File, TimeSpan Age, int Iterations, double TokensPerSecond, double? FinalValidationLoss);

/// <summary>
/// Reads the newest nanoGPT peer result of a shape at most an hour old (a figure from another window is no baseline on
/// these machines), or runs the peer now.
/// </summary>
internal static class NanoGptPeer
{
    private static readonly TimeSpan MaximumAge = TimeSpan.FromHours(1);

    /// <summary>The newest result of <paramref name="kind"/> ("small" or "baby"), or null (with the reason on stderr).</summary>
    /// <param name="kind">The peer's shape.</param>
    /// <param name="minimumIterations">Only results of at least this many iterations (2000 for a final validation loss).</param>
    public static NanoGptResult? Newest(string kind, int minimumIterations = 0)
    {
        string results = Path.Combine(NGramBenchmark.PeersWork(), "results");
        var files = Directory.Exists(results)
            ? new DirectoryInfo(results).GetFiles($"nanogpt-{kind}-*.json").OrderByDescending(f => f.LastWriteTimeUtc)
            : Enumerable.Empty<FileInfo>();
        foreach (var file in files)
        {
            var age = DateTime.UtcNow - file.LastWriteTimeUtc;
            if (age > MaximumAge) break;
            using var json = JsonDocument.Parse(File.ReadAllText(file.FullName));
            var root = json.RootElement;
            int iterations = root.GetProperty("iters").GetInt32();
            if (iterations < minimumIterations) continue;
            double? loss = root.TryGetProperty("final_val_loss", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
            return new NanoGptResult(file.FullName, age, iterations, root.GetProperty("tokens_per_s").GetDouble(), loss);
        }
        Console.Error.WriteLine($"No nanogpt-{kind} result of ≥ {minimumIterations} iterations under an hour old in {results}: " +
                                $"run `bash {NGramBenchmark.PeerScript()} nanogpt-{kind}` or pass --run-peer.");
        return null;
    }

    /// <summary>Runs the peer (<c>run.sh nanogpt-KIND [ITERS]</c>) in this window; its output goes to the console.</summary>
    public static void Run(string kind, int? iterations = null)
    {
        var info = new ProcessStartInfo("bash", $"\"{NGramBenchmark.PeerScript()}\" nanogpt-{kind}" + (iterations is int n ? $" {n}" : "")) { UseShellExecute = false };
        using var peer = Process.Start(info)!;
        peer.WaitForExit();
        if (peer.ExitCode != 0) throw new InvalidOperationException($"The nanoGPT peer failed (exit code {peer.ExitCode}); see its output above.");
    }
}
