using System.Diagnostics;
using System.Globalization;
using ArML.Trainers.NGram;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Bench;

/// <summary>
/// One configuration of the n-gram benchmark (a view and an order), in its own process so that its peak memory is its
/// own. Data views are the KenLM peer's (shared/peers/kenlm_shakespeare.py): nanoGPT's 90/10 split of tiny Shakespeare,
/// one token per character; <c>stream</c> = each split as one row (context crosses line breaks), <c>lines</c> = one row per
/// text line. Query throughput is measured the way the peer measures <c>query</c>: the validation rows repeated to at
/// least 5M predicted tokens (words + one &lt;/s&gt; per row), one warm-up pass, the median of timed passes; loading
/// (building) is outside the timing. Prints one line of key=value fields.
/// </summary>
internal static class NGramBenchmarkRun
{
    private const long MinimumTokens = 5_000_000;

    public static int Run(string[] args)
    {
        string data = NGramBenchmark.DataPath(args);
        string view = NGramBenchmark.Argument(args, "--view") ?? "stream";
        int order = int.Parse(NGramBenchmark.Argument(args, "--order") ?? "5", CultureInfo.InvariantCulture);
        int runs = int.Parse(NGramBenchmark.Argument(args, "--runs") ?? "5", CultureInfo.InvariantCulture);
        long? queryTokens = NGramBenchmark.Argument(args, "--query-tokens") is string q ? long.Parse(q, CultureInfo.InvariantCulture) : null;
        bool stream = view == "stream";
        var ml = new MLContext(seed: 1);
        string text = File.ReadAllText(data);
        int cut = (int)(text.Length * 0.9);   // nanoGPT's split, as the peer cuts it
        var train = ml.Data.LoadFromEnumerable(Rows(text[..cut], stream));
        var validRows = Rows(text[cut..], stream);
        var tokenizer = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(train);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        double baseMb = process.WorkingSet64 / 1048576.0;

        NGramTransformer Build() => ml.LanguageModeling().Trainers.NGram(new NGramTrainer.Options { Order = order }).Fit(tokenizer.Transform(train));
        var jitBefore = (Time: System.Runtime.JitInfo.GetCompilationTime(), Methods: System.Runtime.JitInfo.GetCompiledMethodCount());
        var clock = Stopwatch.StartNew();
        var ngram = Build();
        double buildS = clock.Elapsed.TotalSeconds;
        // The JIT's share of the first build: compiling methods that have no ready-to-run code (or whose code it rejects).
        double buildJitS = (System.Runtime.JitInfo.GetCompilationTime() - jitBefore.Time).TotalSeconds;
        long buildJitMethods = System.Runtime.JitInfo.GetCompiledMethodCount() - jitBefore.Methods;
        process.Refresh();
        double peakMb = process.PeakWorkingSet64 / 1048576.0;
        // The same build again in this process: what a service that builds models pays once its code is compiled
        // (the first build includes the JIT compiling ArML's and ML.NET's code paths).
        clock.Restart();
        GC.KeepAlive(Build());
        double warmBuildS = clock.Elapsed.TotalSeconds;

        // The repeated validation set, as the peer's query reads it: whole copies until ≥ 5M predicted tokens.
        var valid = ml.Data.Cache(tokenizer.Transform(ml.Data.LoadFromEnumerable(validRows)));
        var rows = TokenRows(valid).Select(r => r.Select(ngram.WordOfToken).ToArray()).ToArray();
        long perCopy = rows.Sum(r => (long)r.Length + 1);
        int copies = (int)((MinimumTokens + perCopy - 1) / perCopy);
        long tokens = perCopy * copies;

        // Perplexity as the peer's table prints it: 10^(−Σ log10 p / tokens), every </s> included.
        double log10 = rows.Sum(r => ngram.Model.ScoreSentence(r).LogLikelihood) / Math.Log(10);
        double ppl = Math.Pow(10, -log10 / perCopy);

        var repeated = ml.Data.Cache(tokenizer.Transform(ml.Data.LoadFromEnumerable(Enumerable.Repeat(validRows, copies).SelectMany(r => r))));
        ReadOnly(repeated);   // fills the cache, so the timings below read tokens from memory
        double OwnPass()
        {
            double sum = 0;
            for (int c = 0; c < copies; c++)
                foreach (var row in rows) sum += ngram.Model.ScoreSentence(row).LogLikelihood;
            return sum;
        }
        double PipelinePass() => Score(ngram.Transform(repeated));

        // The model's own scorer, the pipeline and KenLM's query (when its binaries are there) take turns, pass by pass:
        // this machine kind's speed drifts within minutes, and a ratio of two neighbouring passes does not see the drift.
        var peer = args.Contains("--beside") ? KenLmBeside.Find() : null;
        double sink = OwnPass() + PipelinePass();
        var own = new List<double>();
        var pipeline = new List<double>();
        var query = new List<double>();
        for (int r = 0; r < runs; r++)
        {
            own.Add(Seconds(OwnPass, ref sink));
            pipeline.Add(Seconds(PipelinePass, ref sink));
            if (peer != null) query.Add(peer.QueryTokensPerSecond(view, order, queryTokens ?? tokens));
        }
        GC.KeepAlive(sink);
        double ownS = Measurements.Median(own), pipelineS = Measurements.Median(pipeline);
        double pipelineRatio = Measurements.Median(own.Zip(pipeline, (o, p) => o / p));
        double queryTokS = query.Count > 0 ? Measurements.Median(query) : double.NaN;
        double queryRatio = query.Count > 0 ? Measurements.Median(own.Zip(query, (o, q) => tokens / o / q)) : double.NaN;
        double readS = MedianSeconds(runs, () => ReadOnly(repeated));
        Console.WriteLine(FormattableString.Invariant(
            $"ppl={ppl} build_s={buildS} build_jit_s={buildJitS} build_jit_methods={buildJitMethods} warm_build_s={warmBuildS} peak_mb={peakMb} base_mb={baseMb} tokens={tokens} own_tok_s={tokens / ownS} pipeline_tok_s={tokens / pipelineS} pipeline_ratio={pipelineRatio} query_tok_s={queryTokS} query_ratio={queryRatio} read_tok_s={tokens / readS}"));
        return 0;
    }

    private static double Seconds(Func<double> work, ref double sink)
    {
        var clock = Stopwatch.StartNew();
        sink += work();
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Median wall time of <paramref name="runs"/> calls after one warm-up call (its result is kept alive so no call is elided).</summary>
    private static double MedianSeconds(int runs, Func<double> work)
    {
        double sink = work();
        var seconds = new List<double>();
        for (int r = 0; r < runs; r++) seconds.Add(Seconds(work, ref sink));
        GC.KeepAlive(sink);
        return Measurements.Median(seconds);
    }

    private static Row[] Rows(string split, bool stream)
    {
        if (stream) return [new Row { Text = split }];
        var lines = split.Split('\n');
        if (split.EndsWith('\n')) lines = lines[..^1];
        return lines.Select(l => new Row { Text = l }).ToArray();
    }

    /// <summary>Σ LogLikelihood through a cursor over the scored view: the pipeline's scoring cost, nothing else.</summary>
    private static double Score(IDataView scored)
    {
        var column = scored.Schema["LogLikelihood"];
        using var cursor = scored.GetRowCursor([column]);
        var getter = cursor.GetGetter<double>(column);
        double sum = 0, value = 0;
        while (cursor.MoveNext())
        {
            getter(ref value);
            sum += value;
        }
        return sum;
    }

    private static double ReadOnly(IDataView tokens)
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

    private sealed class Row
    {
        public string Text { get; set; } = "";
    }
}
