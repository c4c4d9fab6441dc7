using System.Diagnostics;

namespace ArML.Bench.Tokenizers;

/// <summary>
/// The tokenizer benchmarks: encoding throughput of the TokenizeToIds transform against Microsoft.ML.Tokenizers'
/// EncodeToIds in a loop (same rows, same run), and byte-level BPE training time and peak memory next to Hugging
/// Face tokenizers (npm, when node and tools/tokenizer-parity/node_modules are present) in the same run.
/// </summary>
internal static class TokenizerBenchmark
{
    private static readonly int[] VocabularySizes = [1000, 8000, 32000];

    public static int Run(string[] args)
    {
        var corpora = new List<(string Name, string Path)>();
        if (BenchCorpora.Shakespeare() is string shakespeare) corpora.Add(("shakespeare", shakespeare));
        else Console.WriteLine("../shared/data/tinyshakespeare.txt not found: shakespeare skipped.");
        if (BenchCorpora.SdkDocs() is string docs) corpora.Add(("sdkdocs", docs));
        else Console.WriteLine("No .NET SDK reference XML found: sdkdocs skipped.");
        foreach (var (name, path) in corpora)
            Console.WriteLine($"corpus {name}: {new FileInfo(path).Length / 1e6:F2} MB, {File.ReadLines(path).Count():N0} lines ({path})");
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, shared with other work: figures are noisy (±30% between runs).");

        if (!args.Contains("--training-only"))
        {
            Console.WriteLine();
            Console.WriteLine("Encoding throughput, one row per line (MB/s, median of 9 passes):");
            Console.WriteLine("Wall-clock MB/s, then MB per CPU-second of the one-thread passes (steadier on a shared machine).");
            Console.WriteLine("| corpus | encoding | EncodeToIds loop (baseline) | ArML vocabulary loop | transform, 1 thread | ratio | transform, default (all cores) | ratio | data view read alone | baseline, CPU | vocabulary loop, CPU | transform 1 thread, CPU | CPU ratio | tokens |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var (name, path) in corpora)
                foreach (string encoding in new[] { "gpt2", "cl100k_base" })
                    EncodingThroughput.Run(name, path, encoding);
        }

        if (!args.Contains("--encoding-only"))
        {
            Console.WriteLine();
            Console.WriteLine("Byte-level BPE training, one process per run (train s = Fit; process s includes start-up and reading):");
            Console.WriteLine("| corpus | trainer | requested vocab | vocab | train s | train CPU s | ArML counting s | process s | peak RSS MB |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
            foreach (var (name, path) in corpora)
            {
                foreach (int size in VocabularySizes)
                    Row(name, "ArML", size.ToString(), RunSelf($"tokenizers-train --corpus \"{path}\" --vocab {size}"));
                Row(name, "HF tokenizers 0.23.2, 1 thread", "30000 (fixed)", RunHuggingFace(path, threads: 1));
                Row(name, "HF tokenizers 0.23.2, all threads", "30000 (fixed)", RunHuggingFace(path, threads: null));
            }
        }
        return 0;
    }

    private static void Row(string corpus, string trainer, string requested, string? result)
    {
        if (result is null)
        {
            Console.WriteLine($"| {corpus} | {trainer} | {requested} | (not run) | | | | | |");
            return;
        }
        var values = result.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=')).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        Console.WriteLine($"| {corpus} | {trainer} | {requested} | {values.GetValueOrDefault("vocab")} | {values.GetValueOrDefault("train_s")} | " +
            $"{values.GetValueOrDefault("train_cpu_s")} | {values.GetValueOrDefault("count_s", "")} | {values.GetValueOrDefault("process_s")} | {values.GetValueOrDefault("peak_rss_mb")} |");
    }

    private static string? RunSelf(string arguments)
    {
        string self = Environment.ProcessPath!;
        bool viaDotnet = Path.GetFileNameWithoutExtension(self) == "dotnet";
        return Run(self, viaDotnet ? $"\"{typeof(TokenizerBenchmark).Assembly.Location}\" {arguments}" : arguments, null);
    }

    private static string? RunHuggingFace(string corpus, int? threads)
    {
        string script = Path.Combine(BenchCorpora.RepositoryRoot(), "tools", "tokenizer-parity", "hf-train-bench.mjs");
        string modules = Path.Combine(BenchCorpora.RepositoryRoot(), "tools", "tokenizer-parity", "node_modules", "tokenizers");
        if (!Directory.Exists(modules))
        {
            Console.WriteLine("  (Hugging Face skipped: run tools/tokenizer-parity/install.sh first)");
            return null;
        }
        return Run("node", $"\"{script}\" \"{corpus}\"", threads);
    }

    private static string? Run(string file, string arguments, int? rayonThreads)
    {
        var info = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (rayonThreads is int n) info.Environment["RAYON_NUM_THREADS"] = n.ToString();
        try
        {
            using var process = Process.Start(info)!;
            string output = process.StandardOutput.ReadToEnd();
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                Console.WriteLine($"  {file} {arguments} failed ({process.ExitCode}): {error.Trim()}");
                return null;
            }
            return output.Split('\n').LastOrDefault(l => l.Contains("train_s="));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.WriteLine($"  could not start {file}: {e.Message}");
            return null;
        }
    }
}
