using System.Diagnostics;
using System.Globalization;
using ArML.Trainers.NGram;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Bench;

/// <summary>
/// The n-gram trainer on the rows of shared/reference/ngram-kenlm.md (tiny Shakespeare, characters, stream and lines
/// views, orders 3..10): validation perplexity, build time, peak memory and scoring speed, next to KenLM's figures.
/// Each configuration runs in a fresh process so that its peak memory is its own. Baselines measured in the same
/// run: the process's memory before building, and reading the tokenized validation column without scoring.
/// </summary>
internal static class NGramBenchmark
{
    // view, order, KenLM perplexity/char, lmplz s, lmplz peak RSS MB, query tokens/s (the reference file's table).
    private static readonly (string View, int Order, double Perplexity, double BuildS, double PeakMb, double QueryTokensPerS)[] KenLm =
    [
        ("stream", 3, 7.676, 0.23, 47, 34.2e6), ("stream", 5, 4.764, 0.35, 46, 17.5e6), ("stream", 6, 4.584, 0.63, 49, 14.0e6),
        ("stream", 7, 4.556, 0.71, 55, 10.9e6), ("stream", 8, 4.569, 1.20, 79, 5.5e6), ("stream", 10, 4.584, 1.99, 131, 4.4e6),
        ("lines", 3, 7.840, 0.38, 47, 35.2e6), ("lines", 5, 4.894, 0.37, 46, 18.5e6), ("lines", 7, 4.637, 0.70, 52, 11.4e6),
        ("lines", 10, 4.647, 1.69, 117, 5.0e6),
    ];

    public static int Run(string[] args)
    {
        string data = DataPath(args);
        Console.WriteLine("N-gram (modified Kneser-Ney) vs KenLM lmplz/query on tiny Shakespeare, characters; KenLM figures from shared/reference/ngram-kenlm.md.");
        Console.WriteLine($"{"view",-6} {"ord",3} {"ppl",7} {"KenLM",6} {"build s",8} {"lmplz s",8} {"ratio",6} {"peak MB",8} {"(base)",7} {"lmplz MB",9} " +
                          $"{"model tok/s",12} {"pipeline",10} {"read only",10} {"query tok/s",12} {"ratio",6}");
        foreach (var reference in KenLm)
        {
            var r = Child($"ngram-one --data \"{data}\" --view {reference.View} --order {reference.Order}");
            Console.WriteLine($"{reference.View,-6} {reference.Order,3} {r["ppl"],7:F3} {reference.Perplexity,6:F3} {r["build_s"],8:F2} {reference.BuildS,8:F2} " +
                              $"{r["build_s"] / reference.BuildS,5:F1}x {r["peak_mb"],8:F0} {r["base_mb"],7:F0} {reference.PeakMb,9:F0} " +
                              $"{r["model_tok_s"] / 1e6,11:F1}M {r["pipeline_tok_s"] / 1e6,9:F1}M {r["read_tok_s"] / 1e6,9:F1}M {reference.QueryTokensPerS / 1e6,11:F1}M " +
                              $"{r["model_tok_s"] / reference.QueryTokensPerS,5:F2}x");
        }
        Console.WriteLine("ppl: per character (stream: without the trailing </s>). peak MB: whole process; base: the same process before building.");
        Console.WriteLine("model tok/s: scoring word-id rows directly; pipeline: tokenize + score through an ML.NET cursor; read only: the cursor without scoring.");
        return 0;
    }

    /// <summary>One configuration, in this process; prints "key=value" fields.</summary>
    public static int RunOne(string[] args)
    {
        string data = DataPath(args);
        string view = Argument(args, "--view") ?? "stream";
        int order = int.Parse(Argument(args, "--order") ?? "5", CultureInfo.InvariantCulture);
        bool stream = view == "stream";
        var ml = new MLContext(seed: 1);
        string text = File.ReadAllText(data);
        int cut = (int)(text.Length * 0.9);
        var train = ml.Data.LoadFromEnumerable(Rows(text[..cut], stream));
        var valid = ml.Data.LoadFromEnumerable(Rows(text[cut..], stream));
        var tokenizer = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(train);
        var validTokens = ml.Data.Cache(tokenizer.Transform(valid));
        long validCount = ReadOnly(validTokens);                 // warms the cache; tokens without </s>
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        double baseMb = process.WorkingSet64 / 1048576.0;

        var clock = Stopwatch.StartNew();
        var ngram = ml.LanguageModeling().Trainers.NGram(new NGramTrainer.Options { Order = order }).Fit(tokenizer.Transform(train));
        double buildS = clock.Elapsed.TotalSeconds;
        process.Refresh();
        double peakMb = process.PeakWorkingSet64 / 1048576.0;

        var metrics = ml.LanguageModeling().Evaluate(ngram.Transform(validTokens));
        var rows = TokenRows(validTokens).Select(r => r.Select(ngram.WordOfToken).ToArray()).ToArray();
        double total = -metrics.NegativeLogLikelihood / Math.Log(10);
        long chars = metrics.TokenCount;
        if (stream)
        {
            total -= ngram.Model.Log10Probability(rows[^1].AsSpan(rows[^1].Length - (order - 1)), NGramLanguageModel.SentenceEndId);
            chars--;
        }
        double predicted = validCount + rows.Length;
        double modelTokS = Throughput(() => { foreach (var row in rows) ngram.Model.ScoreSentence(row); }, predicted);
        double pipelineTokS = Throughput(() => ml.LanguageModeling().Evaluate(ngram.Transform(validTokens)), predicted);
        double readTokS = Throughput(() => ReadOnly(validTokens), predicted);
        Console.WriteLine(FormattableString.Invariant(
            $"ppl={Math.Pow(10, -total / chars)} build_s={buildS} peak_mb={peakMb} base_mb={baseMb} model_tok_s={modelTokS} pipeline_tok_s={pipelineTokS} read_tok_s={readTokS}"));
        return 0;
    }

    private static Row[] Rows(string split, bool stream)
    {
        if (stream) return [new Row { Text = split }];
        var lines = split.Split('\n');
        if (split.EndsWith('\n')) lines = lines[..^1];
        return lines.Select(l => new Row { Text = l }).ToArray();
    }

    private static long ReadOnly(IDataView tokens)
    {
        var column = tokens.Schema["Tokens"];
        using var cursor = tokens.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<uint>>(column);
        VBuffer<uint> value = default;
        long count = 0;
        while (cursor.MoveNext())
        {
            getter(ref value);
            count += value.Length;
        }
        return count;
    }

    private static List<int[]> TokenRows(IDataView tokens)
    {
        var column = tokens.Schema["Tokens"];
        using var cursor = tokens.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<uint>>(column);
        VBuffer<uint> value = default;
        var rows = new List<int[]>();
        while (cursor.MoveNext())
        {
            getter(ref value);
            rows.Add(value.DenseValues().Select(k => (int)k - 1).ToArray());
        }
        return rows;
    }

    // Best of several timed repetitions of at least 0.3 s each, in tokens per second.
    private static double Throughput(Action work, double tokensPerCall)
    {
        work();
        double best = 0;
        for (int trial = 0; trial < 3; trial++)
        {
            var clock = Stopwatch.StartNew();
            int calls = 0;
            do { work(); calls++; } while (clock.Elapsed.TotalSeconds < 0.3);
            best = Math.Max(best, calls * tokensPerCall / clock.Elapsed.TotalSeconds);
        }
        return best;
    }

    private static Dictionary<string, double> Child(string arguments)
    {
        string self = Environment.ProcessPath!;
        bool viaDotnet = Path.GetFileNameWithoutExtension(self) == "dotnet";
        var info = new ProcessStartInfo(self, viaDotnet ? $"\"{typeof(NGramBenchmark).Assembly.Location}\" {arguments}" : arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var child = Process.Start(info)!;
        string output = child.StandardOutput.ReadToEnd();
        string errors = child.StandardError.ReadToEnd();
        child.WaitForExit();
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith("ppl=", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("The n-gram benchmark printed no result: " + output + errors);
        return line.Trim().Split(' ').Select(f => f.Split('=')).ToDictionary(f => f[0], f => double.Parse(f[1], CultureInfo.InvariantCulture));
    }

    private static string DataPath(string[] args)
    {
        if (Argument(args, "--data") is string given) return given;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "..", "shared", "data", "tinyshakespeare.txt");
            if (File.Exists(Path.Combine(dir.FullName, "ArML.sln")) && File.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        throw new FileNotFoundException("tinyshakespeare.txt not found in ../shared/data beside the repository; pass --data PATH.");
    }

    private static string? Argument(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private sealed class Row
    {
        public string Text { get; set; } = "";
    }
}
