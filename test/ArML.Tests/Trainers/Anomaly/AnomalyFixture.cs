using ArML.Synthetic;
using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Baseline;
using ArML.Trainers.NGram;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Tests.Trainers.Anomaly;

/// <summary>A text row with an anomaly label (1 = anomaly, as ML.NET's anomaly-detection evaluator reads labels).</summary>
public sealed class LabeledTextRow
{
    public string Text { get; set; } = "";
    public float Label { get; set; }
}

/// <summary>
/// One small model of each kind (GPT, LSTM, n-gram) trained on short Markov-source rows with anomaly scoring and token
/// diagnostics on, shared by the anomaly tests. Rows are cut to 12 characters, so a framed row fits the GPT's context
/// and a brute-force pass over the whole row gives every position's distribution.
/// </summary>
public sealed class AnomalyFixture : IDisposable
{
    public const double Quantile = 0.9;
    public const int TopG = 3;

    public AnomalyFixture()
    {
        Ml = new MLContext(seed: 7);
        var source = MarkovTextSource.CreateDefault(seed: 1);
        string Cut(string text) => text.Length > 12 ? text[..12] : text;
        Train = Ml.Data.LoadFromEnumerable(source.Sample(200, seed: 1).Select(t => new TextRow { Text = Cut(t) }));
        Reference = Ml.Data.LoadFromEnumerable(source.Sample(40, seed: 2).Select(t => new TextRow { Text = Cut(t) }));
        // Ordinary rows, and the same rows reversed (the source's letters, in orders it never produces).
        var normal = source.Sample(30, seed: 3).Select(Cut).ToArray();
        Labeled = Ml.Data.LoadFromEnumerable(normal.Select(t => new LabeledTextRow { Text = t })
            .Concat(normal.Take(10).Select(t => new LabeledTextRow { Text = new string(t.Reverse().ToArray()), Label = 1 })));
        Tokenizer = Ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(Train);
        var tokens = Tokenizer.Transform(Train);
        var reference = Tokenizer.Transform(Reference);
        var gptOptions = TinyGpt.Options(iterations: 40);
        gptOptions.TokenLogProbabilities = true;
        gptOptions.ValidationSet = reference;
        gptOptions.AnomalyScoring = Options();
        Gpt = Ml.LanguageModeling().Trainers.Gpt(gptOptions).Fit(tokens);
        var lstmOptions = TinyLstm.Options(iterations: 40);
        lstmOptions.HiddenSize = 32;
        lstmOptions.TokenLogProbabilities = true;
        lstmOptions.ValidationSet = reference;
        lstmOptions.AnomalyScoring = Options();
        Lstm = Ml.LanguageModeling().Trainers.Lstm(lstmOptions).Fit(tokens);
        Baseline = Ml.LanguageModeling().Trainers.LinearBaseline(new LinearBaselineTrainer.Options
        {
            EmbeddingSize = 16, BatchSize = 8, SequenceLength = 16, MaxIterations = 20, WarmupIterations = 2, TokenLogProbabilities = true,
            AnomalyScoring = Options(),   // no validation set: the threshold comes from the training rows
        }).Fit(tokens);
        var ngramAnomaly = Options();
        ngramAnomaly.ReferenceSet = reference;
        NGram = Ml.LanguageModeling().Trainers.NGram(new NGramTrainer.Options { TokenColumnName = "Tokens", Order = 3, AnomalyScoring = ngramAnomaly })
            .Fit(tokens);
    }

    public static LanguageModelAnomalyOptions Options() => new() { ThresholdQuantile = Quantile, TokenDiagnostics = true, TopG = TopG };

    public MLContext Ml { get; }
    public IDataView Train { get; }
    public IDataView Reference { get; }
    public IDataView Labeled { get; }
    public ITransformer Tokenizer { get; }
    public LanguageModelTransformer Gpt { get; }
    public LanguageModelTransformer Lstm { get; }
    public LanguageModelTransformer Baseline { get; }
    public NGramTransformer NGram { get; }

    /// <summary>The tokenized rows of <paramref name="data"/> scored by <paramref name="model"/>.</summary>
    public IDataView Score(ITransformer model, IDataView data) => model.Transform(Tokenizer.Transform(data));

    public void Dispose()
    {
        Gpt.Dispose();
        Lstm.Dispose();
        Baseline.Dispose();
    }
}

/// <summary>One scored row's columns, read in double precision where the column allows.</summary>
public sealed record ScoredRow(uint[] Tokens, double LogLikelihood, int TokenCount, float Score, bool PredictedLabel, double[] Surprisals, int[] Ranks,
    int TopGMisses, double[]? LogProbabilities)
{
    public static List<ScoredRow> Read(IDataView scored)
    {
        var rows = new List<ScoredRow>();
        var s = scored.Schema;
        bool hasLogp = s.GetColumnOrNull(LanguageModelScoringMapper.TokenLogProbabilitiesColumnName) != null;
        var columns = new List<DataViewSchema.Column> { s["Tokens"], s["LogLikelihood"], s["TokenCount"], s["Score"], s["PredictedLabel"],
            s["TokenSurprisals"], s["TokenRanks"], s["TopGMisses"] };
        if (hasLogp) columns.Add(s[LanguageModelScoringMapper.TokenLogProbabilitiesColumnName]);
        using var cursor = scored.GetRowCursor(columns);
        var tokens = cursor.GetGetter<VBuffer<uint>>(s["Tokens"]);
        var ll = cursor.GetGetter<double>(s["LogLikelihood"]);
        var count = cursor.GetGetter<int>(s["TokenCount"]);
        var score = cursor.GetGetter<float>(s["Score"]);
        var label = cursor.GetGetter<bool>(s["PredictedLabel"]);
        var surprisals = cursor.GetGetter<VBuffer<double>>(s["TokenSurprisals"]);
        var ranks = cursor.GetGetter<VBuffer<int>>(s["TokenRanks"]);
        var misses = cursor.GetGetter<int>(s["TopGMisses"]);
        var logp = hasLogp ? cursor.GetGetter<VBuffer<double>>(s[LanguageModelScoringMapper.TokenLogProbabilitiesColumnName]) : null;
        while (cursor.MoveNext())
        {
            VBuffer<uint> t = default;
            VBuffer<double> sv = default, lv = default;
            VBuffer<int> rv = default;
            double l = 0;
            int c = 0, m = 0;
            float sc = 0;
            bool p = false;
            tokens(ref t); ll(ref l); count(ref c); score(ref sc); label(ref p); surprisals(ref sv); ranks(ref rv); misses(ref m);
            logp?.Invoke(ref lv);
            rows.Add(new ScoredRow(t.DenseValues().ToArray(), l, c, sc, p, sv.DenseValues().ToArray(), rv.DenseValues().ToArray(), m,
                logp is null ? null : lv.DenseValues().ToArray()));
        }
        return rows;
    }
}
