using System.Diagnostics;
using System.Text;
using ArML.Transforms.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Tokenizers;

namespace ArML.Bench.Tokenizers;

/// <summary>
/// Encoding throughput over a line-per-row corpus: Microsoft.ML.Tokenizers' EncodeToIds called directly on each
/// line (the baseline), ArML's vocabulary called directly, and ArML's TokenizeToIds transform read through a cursor.
/// Each figure is the median of 5 timed passes after one warm-up pass.
/// </summary>
internal static class EncodingThroughput
{
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
        var transformer = ml.Transforms.Text.TokenizeToIds("Tokens", "Text", vocabulary).Fit(data);

        long baselineTokens = 0, directTokens = 0, transformTokens = 0;
        double baseline = Median(() => baselineTokens = lines.Sum(l => (long)microsoft.EncodeToIds(l).Count));
        var ids = new List<int>();
        double direct = Median(() =>
        {
            long n = 0;
            foreach (string line in lines)
            {
                ids.Clear();
                vocabulary.Encode(line, ids);
                n += ids.Count;
            }
            directTokens = n;
        });
        double transform = Median(() => transformTokens = CountTokens(transformer.Transform(data)));
        if (baselineTokens != directTokens || baselineTokens != transformTokens)
            Console.WriteLine($"  note: token counts differ (baseline {baselineTokens}, direct {directTokens}, transform {transformTokens})");
        Console.WriteLine($"| {corpusName} | {encoding} | {megabytes / baseline:F1} | {megabytes / direct:F1} | {megabytes / transform:F1} | {baseline / transform:F2} | {transformTokens:N0} |");
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

    private static double Median(Action pass)
    {
        pass();
        var seconds = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            pass();
            seconds.Add(clock.Elapsed.TotalSeconds);
        }
        seconds.Sort();
        return seconds[2];
    }
}
