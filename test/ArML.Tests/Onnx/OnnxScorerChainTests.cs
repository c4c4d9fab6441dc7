using ArML.Onnx;
using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Onnx;

/// <summary>
/// ToOnnxScorer: ML.NET's own tokenizers, then ML.NET's ApplyOnnxModel over the exported graph, give the GPT
/// transformer's columns, and the whole chain survives plain mlContext.Model.Save / Load.
/// </summary>
public sealed class OnnxScorerChainTests : IDisposable
{
    private static readonly string[] Train = ["the cat sat", "a cat ran", "the dog sat down", "a dog ran", "the cat ran down"];
    // Rows that fit one window of the character model (context 16, with ML.NET's two row markers); "bird" is unseen.
    private static readonly string[] Score = ["the cat", "a dog sat", "", "the bird", "cat ran"];

    private readonly string _dir = Directory.CreateTempSubdirectory("arml-onnx-chain-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static IDataView Rows(MLContext ml, IEnumerable<string> texts) => ml.Data.LoadFromEnumerable(texts.Select(t => new TextRow { Text = t }));

    public static TheoryData<string> Tokenizers => ["characters", "words"];

    private static IEstimator<ITransformer> Tokenizer(MLContext ml, string kind) => kind == "characters"
        ? ml.Transforms.Text.TokenizeIntoCharactersAsKeys("Tokens", "Text")
        : ml.Transforms.Text.TokenizeIntoWords("Words", "Text").Append(ml.Transforms.Conversion.MapValueToKey("Tokens", "Words"));

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void ChainGivesTheTransformersColumnsAndSurvivesSaveAndLoad(string kind)
    {
        var ml = new MLContext(seed: 1);
        var options = TinyGpt.Options(iterations: 20);
        options.TokenLogProbabilities = true;
        var train = Rows(ml, Train);
        var tokenizer = Tokenizer(ml, kind).Fit(train);
        using var gpt = ml.LanguageModeling().Trainers.Gpt(options).Fit(tokenizer.Transform(train));
        var lm = (GptLanguageModel)gpt.Model;

        string onnx = Path.Combine(_dir, "scorer.onnx");
        var scorer = ml.LanguageModeling().ToOnnxScorer(gpt, onnx);
        var chain = Tokenizer(ml, kind).Append(scorer).Fit(train);
        var rows = Rows(ml, Score);
        var actual = AssertScoresEqual(gpt.Transform(tokenizer.Transform(rows)), chain.Transform(rows), lm);

        // Plain ML.NET persistence: the graph travels inside the zip; a fresh context loads it with no ArML code.
        string zip = Path.Combine(_dir, "chain.zip");
        ml.Model.Save(chain, train.Schema, zip);
        File.Delete(onnx);
        var fresh = new MLContext(seed: 2);
        var loaded = fresh.Model.Load(zip, out _);
        var reloaded = Read(loaded.Transform(Rows(fresh, Score)), scalars: false);
        for (int r = 0; r < actual.Count; r++)
        {
            Assert.Equal(actual[r].Ll, reloaded[r].Ll);
            Assert.Equal(actual[r].Count, reloaded[r].Count);
            Assert.Equal(actual[r].Tokens, reloaded[r].Tokens);
        }
    }

    /// <summary>The ONNX chain's columns (one-slot vectors) equal the transformer's (scalars) within float32 rounding; returns the ONNX rows.</summary>
    internal static List<(double Ll, int Count, double Perplexity, double[] Tokens)> AssertScoresEqual(IDataView arml, IDataView onnx, GptLanguageModel lm)
    {
        var expected = Read(arml, scalars: true);
        var actual = Read(onnx, scalars: false);
        Assert.Equal(expected.Count, actual.Count);
        for (int r = 0; r < expected.Count; r++)
        {
            Assert.Equal(expected[r].Count, actual[r].Count);
            double tolerance = Math.Max(1e-4, Float32Rounding.RowScore(expected[r].Count, expected[r].Ll, 4 * lm.Model.Config.EmbeddingSize, lm.Vocabulary.Size));
            Assert.Equal(expected[r].Ll, actual[r].Ll, tolerance);
            Assert.Equal(expected[r].Perplexity, actual[r].Perplexity, expected[r].Perplexity * 1e-4);
            Assert.Equal(expected[r].Tokens.Length, actual[r].Tokens.Length);
            for (int j = 0; j < expected[r].Tokens.Length; j++) Assert.Equal(expected[r].Tokens[j], actual[r].Tokens[j], 1e-4);
        }
        return actual;
    }

    // The transformer writes scalars; ML.NET's ONNX transformer writes every output as a vector (here of one slot).
    internal static List<(double Ll, int Count, double Perplexity, double[] Tokens)> Read(IDataView scored, bool scalars)
    {
        var result = new List<(double, int, double, double[])>();
        var columns = new[] { "LogLikelihood", "TokenCount", "Perplexity", "TokenLogProbabilities" }.Select(n => scored.Schema[n]).ToArray();
        if (!scalars)
            for (int i = 0; i < 3; i++) Assert.Equal(1, ((VectorDataViewType)columns[i].Type).Size);
        using var cursor = scored.GetRowCursor(columns);
        var ll = Getter<double>(cursor, columns[0], scalars);
        var count = Getter<int>(cursor, columns[1], scalars);
        var perplexity = Getter<double>(cursor, columns[2], scalars);
        var tokens = cursor.GetGetter<VBuffer<double>>(columns[3]);
        VBuffer<double> t = default;
        while (cursor.MoveNext())
        {
            tokens(ref t);
            result.Add((ll(), count(), perplexity(), t.DenseValues().ToArray()));
        }
        return result;
    }

    private static Func<T> Getter<T>(DataViewRowCursor cursor, DataViewSchema.Column column, bool scalar)
    {
        if (scalar)
        {
            var get = cursor.GetGetter<T>(column);
            return () => { T value = default!; get(ref value); return value; };
        }
        var getVector = cursor.GetGetter<VBuffer<T>>(column);
        return () => { VBuffer<T> value = default; getVector(ref value); return value.GetValues()[0]; };
    }
}
