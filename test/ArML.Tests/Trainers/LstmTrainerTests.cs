using ArML.Tests.Support;
using ArML.Torch;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using ArML.Trainers.Lstm;
using ArML.Trainers.Stateful;
using ArML.Training;
using Microsoft.ML;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers;

public class LstmTrainerTests
{
    private static readonly string[] Corpus = ArML.Synthetic.MarkovTextSource.CreateDefault(1).Sample(150, seed: 8).ToArray();

    private static IDataView Rows(MLContext ml, params string[] texts) => ml.Data.LoadFromEnumerable(texts.Select(t => new TextRow { Text = t }));

    private static IDataView Tokens(MLContext ml, string[] texts) =>
        ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(Rows(ml, Corpus)).Transform(Rows(ml, texts));

    [Theory]
    [InlineData(1, 5)]    // one row at a time, each row over several windows: the state must carry between them
    [InlineData(4, 7)]    // rows side by side, shorter ones padded
    [InlineData(40, 100)] // every row in one window
    public void TrainingWindowsReadRowsExactlyAsTheyAreScored(int readers, int window)
    {
        var ml = new MLContext(seed: 1);
        var data = Tokens(ml, Corpus[..12]);
        var ids = new TokenIdLayout(KeyCount(data), 0);
        // Float64: this checks which positions the windows read, so the two paths must not differ by kernel rounding.
        using var lm = UntrainedLstm(ids, ScalarType.Float64);
        var rows = LanguageModelData.Read(data, "Tokens", null, ids, BatchLayout.RowAligned);
        using var task = new TruncatedBpttTask<LstmModel>(lm.Model, new RowWindows(rows.Tokens, rows.RowStarts!, 2, window),
            new RowWindows(rows.Tokens, rows.RowStarts!, readers, window), evaluationBatches: 1000, CPU);

        var texts = TinyGpt.TokenIds(data);
        var (framed, lengths, firsts) = Frame(ids, texts);
        var ll = new double[texts.Count];
        var counts = new int[texts.Count];
        lm.ScoreFramed(framed, lengths, firsts, 1, ll, counts);
        double expected = -ll.Sum() / counts.Sum();
        Assert.Equal(expected, task.ValidationLoss()!.Value, Float32Rounding.Float64 * expected);
        Assert.Equal(counts.Sum(), task.TokensPerEpoch);
    }

    [Fact]
    public void AStreamCarriesTheStateAcrossRows()
    {
        // One reader over the joined rows reads exactly what scoring the whole stream as one sequence reads.
        var ml = new MLContext(seed: 1);
        var data = Tokens(ml, Corpus[..6]);
        var ids = new TokenIdLayout(KeyCount(data), 0);
        using var lm = UntrainedLstm(ids, ScalarType.Float64);   // float64: positions are checked, not kernels
        var stream = LanguageModelData.Read(data, "Tokens", null, ids, BatchLayout.RandomWindows);
        using var task = new TruncatedBpttTask<LstmModel>(lm.Model, new StreamWindows(stream.Tokens, 1, 9),
            new StreamWindows(stream.Tokens, 1, 9), evaluationBatches: 1000, CPU);
        var joined = Enumerable.Range(0, (int)stream.Tokens.Length).Select(i => stream.Tokens[i]).ToArray();
        var ll = new double[1];
        var count = new int[1];
        lm.ScoreFramed([joined], [joined.Length], [1], 1, ll, count);
        double expected = -ll[0] / count[0];
        Assert.Equal(expected, task.ValidationLoss()!.Value, Float32Rounding.Float64 * expected);
        Assert.Equal(count[0], task.TokensPerEpoch);
    }

    public static TheoryData<bool> Layouts => new() { true, false };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void AnInterruptedRunResumesAsIfNeverInterrupted(bool resetAtRowStart)
    {
        var ml = new MLContext(seed: 1);
        var data = Tokens(ml, Corpus);
        string dir = Path.Combine(Path.GetTempPath(), "arml-lstm-resume-" + Guid.NewGuid().ToString("N"));
        try
        {
            LstmTrainer.Options Options(string? checkpoints)
            {
                var o = TinyLstm.Options(iterations: 20);
                o.HiddenSize = 16;
                o.SequenceLength = 8;      // rows of about 35 characters span several windows: the run stops mid-row
                o.Dropout = 0.1;           // the torch generator must resume too
                o.ResetStateAtRowStart = resetAtRowStart;
                o.Seed = 5;
                o.CheckpointDirectory = checkpoints;
                o.CheckpointInterval = 4;
                return o;
            }
            var uninterrupted = PerIterationLosses(Options(null), data, ml);
            var first = PerIterationLosses(Options(dir), data, ml, stop: p => p.Iteration == 11);
            var resumed = PerIterationLosses(Options(dir), data, ml);
            Assert.Equal(11, first.Count);
            Assert.Equal(uninterrupted.Take(11), first);
            Assert.Equal(uninterrupted.Skip(11), resumed);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void AGruLearnsAndTheSeedFixesTheModel()
    {
        var ml = new MLContext(seed: 1);
        var data = Tokens(ml, Corpus);
        var options = TinyLstm.Options(iterations: 60, cell: RecurrentCell.Gru);
        options.HiddenSize = 32;
        options.LearningRate = 3e-2;
        options.Seed = 3;
        var losses = PerIterationLosses(options, data, ml);
        Assert.True(losses.TakeLast(10).Average() < losses.Take(10).Average() - 0.5, $"loss {losses.Take(10).Average()} → {losses.TakeLast(10).Average()}");

        List<double> Scores(int seed)
        {
            var o = TinyLstm.Options(iterations: 3, cell: RecurrentCell.Gru);
            o.HiddenSize = 16;
            o.Seed = seed;
            using var model = ml.LanguageModeling().Trainers.Lstm(o).Fit(data);
            return TinyGpt.Scores(model.Transform(Tokens(ml, Corpus[..5]))).Select(s => s.LogLikelihood).ToList();
        }
        Assert.Equal(Scores(4), Scores(4));
        Assert.NotEqual(Scores(4), Scores(5));
    }

    [Fact]
    public void OneEpochPredictsEveryTokenAndRowEndOnce()
    {
        var ml = new MLContext(seed: 1);
        var reports = new List<TrainingProgress>();
        var options = TinyLstm.Options(iterations: 10_000);
        options.HiddenSize = 8;
        options.MaxEpochs = 1;
        options.EvaluationInterval = 1;
        options.Progress = new ProgressRecorder(reports.Add);
        ml.LanguageModeling().Trainers.Lstm(options).Fit(Tokens(ml, Corpus[..30])).Dispose();
        long epoch = Corpus[..30].Sum(t => t.Length + 1);
        Assert.True(reports[^1].TokensSeen >= epoch, $"{reports[^1].TokensSeen} of {epoch}");
        Assert.True(reports[^2].TokensSeen < epoch);
    }

    [Fact]
    public void BadOptionsFailNamingTheOption()
    {
        var trainers = new MLContext(seed: 1).LanguageModeling().Trainers;
        foreach (var (name, options) in new (string, LstmTrainer.Options)[]
        {
            ("HiddenSize", new() { HiddenSize = 0 }),
            ("LayerCount", new() { LayerCount = 0 }),
            ("EmbeddingSize", new() { EmbeddingSize = 0 }),
            ("Dropout", new() { Dropout = 1 }),
            ("SequenceLength", new() { SequenceLength = 0 }),
            ("Cell", new() { Cell = (RecurrentCell)7 }),
            ("ScoringBatchSize", new() { ScoringBatchSize = 0 }),
            ("BatchSize", new() { BatchSize = 0 }),
        })
            Assert.Equal(name, Assert.ThrowsAny<ArgumentException>(() => trainers.Lstm(options)).ParamName);
    }

    [Fact]
    public void BadColumnsFailAtFitAndSchemaTimeNamingTheColumn()
    {
        var ml = new MLContext(seed: 1);
        var trainer = ml.LanguageModeling().Trainers.Lstm(TinyLstm.Options(iterations: 2));
        var text = Rows(ml, "abc");
        Assert.Contains("'Tokens'", Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(text)).Message);
        Assert.Contains("'Tokens'", Assert.Throws<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(ArML.Schema.SchemaShapeShim.Create(text.Schema))).Message);
        var renamed = ml.LanguageModeling().Trainers.Lstm(new LstmTrainer.Options { TokenColumnName = "Ids" });
        Assert.Contains("'Ids'", Assert.Throws<ArgumentOutOfRangeException>(() => renamed.Fit(Tokens(ml, ["abc"]))).Message);

        var empty = Assert.Throws<InvalidOperationException>(() => trainer.Fit(Tokens(ml, ["", ""])));
        Assert.Contains("'Tokens'", empty.Message);

        var options = TinyLstm.Options(iterations: 2);
        options.ValidationSet = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(Rows(ml, "xyz")).Transform(Rows(ml, "xy"));
        Assert.Throws<ArgumentException>(() => ml.LanguageModeling().Trainers.Lstm(options).Fit(Tokens(ml, Corpus)));
    }

    private static LstmLanguageModel UntrainedLstm(TokenIdLayout ids, ScalarType dtype)
    {
        TorchRuntime.EnsureInitialized();
        torch.manual_seed(2);
        var network = new LstmModel(new LstmConfig(ids.Size, RecurrentCell.Lstm, 2, HiddenSize: 12, EmbeddingSize: 12, Dropout: 0));
        network.to(dtype);
        return new LstmLanguageModel(network, ids, CPU);
    }

    private static int KeyCount(IDataView data) =>
        (int)((Microsoft.ML.Data.KeyDataViewType)((Microsoft.ML.Data.VectorDataViewType)data.Schema["Tokens"].Type).ItemType).Count;

    private static (int[][] Framed, int[] Lengths, int[] FirstTargets) Frame(TokenIdLayout ids, List<int[]> rows)
    {
        var buffer = new List<int>();
        var framed = new int[rows.Count][];
        var firsts = new int[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            firsts[i] = ids.Frame([], rows[i], buffer);
            framed[i] = buffer.ToArray();
        }
        return (framed, framed.Select(f => f.Length).ToArray(), firsts);
    }

    private static List<double> PerIterationLosses(LstmTrainer.Options options, IDataView data, MLContext ml, Func<TrainingProgress, bool>? stop = null)
    {
        var losses = new List<double>();
        var cancel = new CancellationTokenSource();
        options.EvaluationInterval = 1;
        options.CancellationToken = cancel.Token;
        options.Progress = new ProgressRecorder(p =>
        {
            losses.Add(p.Loss);
            if (stop?.Invoke(p) == true) cancel.Cancel();
        });
        try { ml.LanguageModeling().Trainers.Lstm(options).Fit(data).Dispose(); }
        catch (OperationCanceledException) { }
        return losses;
    }
}
