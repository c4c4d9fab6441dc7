using ArML.Synthetic;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using ArML.Transforms.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Support;

public sealed class TextRow
{
    public string Text { get; set; } = "";
}

/// <summary>A small character GPT trained once on Markov-source rows and shared by a test class.</summary>
public sealed class TinyGpt : IDisposable
{
    public TinyGpt()
    {
        Ml = new MLContext(seed: 7);
        var source = MarkovTextSource.CreateDefault(seed: 1);
        Train = Ml.Data.LoadFromEnumerable(source.Sample(300, seed: 1).Select(t => new TextRow { Text = t }));
        Valid = Ml.Data.LoadFromEnumerable(source.Sample(40, seed: 2).Select(t => new TextRow { Text = t }));
        var pipeline = Ml.Transforms.Text.TokenizeCharacters("Tokens", "Text")
            .Append(Ml.LanguageModeling().Trainers.Gpt(Options()));
        Model = pipeline.Fit(Train);
    }

    public static GptTrainer.Options Options(int iterations = 80) => new()
    {
        ContextLength = 16,
        LayerCount = 2,
        HeadCount = 2,
        EmbeddingSize = 32,
        BatchSize = 8,
        MaxIterations = iterations,
        LearningRate = 3e-3,
        WarmupIterations = 10,
        ScoringBatchSize = 8,
    };

    public MLContext Ml { get; }
    public IDataView Train { get; }
    public IDataView Valid { get; }
    public TransformerChain<LanguageModelTransformer> Model { get; }
    public LanguageModelTransformer Gpt => Model.LastTransformer;
    public GptLanguageModel Lm => (GptLanguageModel)Gpt.Model;
    public TokenizerTransformer Tokenizer => (TokenizerTransformer)Model.First();

    public static List<(double LogLikelihood, int TokenCount, double Perplexity)> Scores(IDataView scored)
    {
        var result = new List<(double, int, double)>();
        var ll = scored.Schema["LogLikelihood"];
        var tc = scored.Schema["TokenCount"];
        var pp = scored.Schema["Perplexity"];
        using var cursor = scored.GetRowCursor([ll, tc, pp]);
        var llGetter = cursor.GetGetter<double>(ll);
        var tcGetter = cursor.GetGetter<int>(tc);
        var ppGetter = cursor.GetGetter<double>(pp);
        double l = 0, p = 0;
        int t = 0;
        while (cursor.MoveNext())
        {
            llGetter(ref l);
            tcGetter(ref t);
            ppGetter(ref p);
            result.Add((l, t, p));
        }
        return result;
    }

    /// <summary>ML.NET's prediction engine over <paramref name="model"/> gives the values its batched transform gives.</summary>
    /// <summary>
    /// Asserts that a PredictionEngine (one row at a time) scores the first rows as a batched Transform does, within
    /// <paramref name="tolerance"/>(token count, log-likelihood): the two read different batch shapes, so float32
    /// kernels may round differently (see <see cref="Float32Rounding"/>).
    /// </summary>
    public static void AssertPredictionEngineMatchesTransform(MLContext ml, ITransformer model, IDataView rows, Func<int, double, double> tolerance)
    {
        var expected = Scores(model.Transform(rows));
        var engine = ml.Model.CreatePredictionEngine<TextRow, ScoreRow>(model);
        var texts = ml.Data.CreateEnumerable<TextRow>(rows, reuseRowObject: false).Take(5).ToList();
        for (int i = 0; i < texts.Count; i++)
        {
            var prediction = engine.Predict(texts[i]);
            Assert.Equal(expected[i].TokenCount, prediction.TokenCount);
            Assert.Equal(expected[i].LogLikelihood, prediction.LogLikelihood, tolerance(expected[i].TokenCount, expected[i].LogLikelihood));
        }
    }

    /// <summary>
    /// The model ids <paramref name="model"/> reads for each row of <paramref name="data"/>: the column's ids through its
    /// key map (keys it never saw in training as its unknown token).
    /// </summary>
    public static List<int[]> ModelIds(LanguageModelTransformer model, IDataView data, string column = "Tokens") =>
        TokenIds(data, column).Select(row => row.Select(id => model.KeyMap.TryToModelIdOrUnknown(id, out int m) ? m
            : throw new InvalidOperationException($"Token id {id} has no model id.")).ToArray()).ToList();

    public static List<int[]> TokenIds(IDataView data, string column = "Tokens")
    {
        var result = new List<int[]>();
        var col = data.Schema[column];
        using var cursor = data.GetRowCursor([col]);
        var getter = cursor.GetGetter<VBuffer<uint>>(col);
        VBuffer<uint> value = default;
        while (cursor.MoveNext())
        {
            getter(ref value);
            result.Add(value.DenseValues().Select(k => (int)k - 1).ToArray());
        }
        return result;
    }

    public void Dispose() => Gpt.Dispose();

    private sealed class ScoreRow
    {
        public double LogLikelihood { get; set; }
        public int TokenCount { get; set; }
    }
}
