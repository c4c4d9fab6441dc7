using System.Diagnostics;
using System.Text;
using ArML.Transforms.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Tokenizers;

namespace ArML.Bench.Tokenizers;

/// <summary>
/// Encoding throughput over a line-per-row corpus: Microsoft.ML.Tokenizers' EncodeToIds called directly on each
/// line (the baseline), ArML's vocabulary called directly, ArML's TokenizeToIds transform read through a cursor
/// (on one thread, and with its default of one thread per core), and the data view read alone.
/// The three are timed in turn, round after round (one warm-up round, then 9 timed), so that load from other
/// processes on a shared machine falls on all of them alike; each figure is the median of its 9 passes.
/// </summary>
internal static class EncodingThroughput
{
    private const int Rounds = 9;

    private sealed class Row
    {
        public string Text { get; set; } = "";
    }

    public static void Run(string corpusName, string path, string encoding)
    {
        var lines = File.ReadAllLines(path);
        double megabytes = lines.Sum(l => Encoding.UTF8.GetByteCount(l)) / 1e6;
        Tokenizer microsoft = encoding == "gpt2" ? TiktokenTokenizer.CreateForModel("gpt2") : TiktokenTokenizer.CreateForEncoding(encoding);
        var vocabulary = TiktokenVocabulary.Get(encoding);
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(lines.Select(l => new Row { Text = l }).ToArray());
        var oneThread = ml.Transforms.Text.TokenizeToIds("Tokens", "Text", vocabulary, new TokenizeOptions { MaximumDegreeOfParallelism = 1 }).Fit(data);
        var allCores = ml.Transforms.Text.TokenizeToIds("Tokens", "Text", vocabulary).Fit(data);

        long baselineTokens = 0, directTokens = 0, transformTokens = 0, parallelTokens = 0;
        var ids = new List<int>();
        var medians = Interleaved(
            () => baselineTokens = lines.Sum(l => (long)microsoft.EncodeToIds(l).Count),
            () =>
        {
            long n = 0;
            foreach (string line in lines)
            {
                ids.Clear();
                vocabulary.Encode(line, ids);
                n += ids.Count;
            }
            directTokens = n;
        },
            () => transformTokens = CountTokens(oneThread.Transform(data)),
            () => parallelTokens = CountTokens(allCores.Transform(data)),
            () => CountRows(data));
        var (wall, cpu) = medians;
        double baseline = wall[0], direct = wall[1], transform = wall[2], parallel = wall[3], read = wall[4];
        if (baselineTokens != directTokens || baselineTokens != transformTokens || baselineTokens != parallelTokens)
            Console.WriteLine($"  note: token counts differ (baseline {baselineTokens}, direct {directTokens}, transform {transformTokens}, parallel {parallelTokens})");
        Console.WriteLine($"| {corpusName} | {encoding} | {megabytes / baseline:F1} | {megabytes / direct:F1} | {megabytes / transform:F1} | " +
            $"{baseline / transform:F2} | {megabytes / parallel:F1} | {baseline / parallel:F2} | {megabytes / read:F0} | " +
            $"{megabytes / cpu[0]:F1} | {megabytes / cpu[1]:F1} | {megabytes / cpu[2]:F1} | {cpu[0] / cpu[2]:F2} | {transformTokens:N0} |");
    }

    // Reading the text column alone: the share of the transform's time that is the data view's, not tokenization.
    private static long CountRows(IDataView data)
    {
        var column = data.Schema["Text"];
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<ReadOnlyMemory<char>>(column);
        ReadOnlyMemory<char> value = default;
        long chars = 0;
        while (cursor.MoveNext())
        {
            getter(ref value);
            chars += value.Length;
        }
        return chars;
    }

    private static long CountTokens(IDataView output)
    {
        var column = output.Schema["Tokens"];
        using var cursor = output.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<uint>>(column);
        VBuffer<uint> value = default;
        long n = 0;
        while (cursor.MoveNext())
        {
            getter(ref value);
            n += value.Length;
        }
        return n;
    }

    // Wall seconds and process CPU seconds of each pass, medians. On a machine shared with other work, CPU time of
    // the single-threaded passes is the steadier comparison: waiting for a core does not count.
    private static (double[] Wall, double[] Cpu) Interleaved(params Action[] passes)
    {
        foreach (var pass in passes) pass();
        var wall = passes.Select(_ => new List<double>()).ToArray();
        var cpu = passes.Select(_ => new List<double>()).ToArray();
        using var process = Process.GetCurrentProcess();
        for (int round = 0; round < Rounds; round++)
        {
            for (int i = 0; i < passes.Length; i++)
            {
                GC.Collect();
                process.Refresh();
                var cpuBefore = process.TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                passes[i]();
                wall[i].Add(clock.Elapsed.TotalSeconds);
                process.Refresh();
                cpu[i].Add((process.TotalProcessorTime - cpuBefore).TotalSeconds);
            }
        }
        static double[] Medians(List<double>[] lists) => lists.Select(s => s.Order().ElementAt(Rounds / 2)).ToArray();
        return (Medians(wall), Medians(cpu));
    }
}
