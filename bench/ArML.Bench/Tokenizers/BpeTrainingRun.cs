using System.Diagnostics;
using ArML.Transforms.Text;
using Microsoft.ML;

namespace ArML.Bench.Tokenizers;

/// <summary>
/// One BPE training in its own process, so peak memory is this training's alone: reads the corpus (one row per
/// line), trains with TrainTokenizer and prints "train_s=S train_cpu_s=C process_s=P vocab=V count_s=K peak_rss_mb=M"
/// (train_cpu_s: process CPU time during Fit, steadier than wall time on a shared machine; count_s: reading and
/// counting words, the part before merging).
/// </summary>
internal static class BpeTrainingRun
{
    private sealed class Row
    {
        public string Text { get; set; } = "";
    }

    public static int RunInProcess(string[] args)
    {
        string corpus = args[Array.IndexOf(args, "--corpus") + 1];
        int vocabularySize = int.Parse(args[Array.IndexOf(args, "--vocab") + 1]);
        var process = Stopwatch.StartNew();
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(File.ReadLines(corpus).Select(l => new Row { Text = l }));
        TimeSpan counted = default;
        var progress = new Progress(p => { if (p.Phase == "merging" && counted == default) counted = p.Elapsed; });
        var options = new TokenizerTrainerOptions { VocabularySize = vocabularySize, MinimumPairFrequency = 1, Progress = progress };
        using var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var vocabulary = ml.Transforms.Text.TrainTokenizer("Tokens", "Text", options).Fit(data).Vocabulary;
        double train = clock.Elapsed.TotalSeconds;
        self.Refresh();
        double cpu = (self.TotalProcessorTime - cpuBefore).TotalSeconds;
        Console.WriteLine($"train_s={train:F3} train_cpu_s={cpu:F3} process_s={process.Elapsed.TotalSeconds:F3} vocab={vocabulary.VocabularySize} " +
            $"count_s={counted.TotalSeconds:F3} peak_rss_mb={PeakRssMegabytes():F0}");
        return 0;
    }

    // Synchronous, unlike System.Progress, so the figure is set before Fit returns.
    private sealed class Progress(Action<TokenizerTrainingProgress> report) : IProgress<TokenizerTrainingProgress>
    {
        public void Report(TokenizerTrainingProgress value) => report(value);
    }

    /// <summary>VmHWM from /proc/self/status (Linux), else the process's peak working set.</summary>
    public static double PeakRssMegabytes()
    {
        const string status = "/proc/self/status";
        if (File.Exists(status))
        {
            string? line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            if (line != null) return double.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
        }
        return Process.GetCurrentProcess().PeakWorkingSet64 / 1e6;
    }
}
