using ArML.Trainers.Generation;
using ArML.Persistence;
using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Lstm;
using ArML.Trainers.Stateful;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers;

public class LstmScoringTests(TinyLstm fixture) : IClassFixture<TinyLstm>
{
    /// <summary>Log-probability of a row's targets reading one token per forward pass, carrying the state by hand.</summary>
    private static double StepByStepLogLikelihood(LstmModel network, int separator, int[] row)
    {
        var framed = new List<long> { separator };
        framed.AddRange(row.Select(t => (long)t));
        framed.Add(separator);
        double total = 0;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var state = network.InitialState(1, CPU);
        for (int p = 0; p + 1 < framed.Count; p++)
        {
            var (logits, next) = network.Forward(tensor(new[] { framed[p] }, [1, 1]), state);
            state = next;
            var values = logits.to_type(ScalarType.Float64).data<double>().ToArray();
            double max = values.Max();
            total += values[(int)framed[p + 1]] - (max + Math.Log(values.Sum(v => Math.Exp(v - max))));
        }
        return total;
    }

    // Float32 paths (batch shapes, pieces, one position per pass) agree within rounding: dot products of the
    // gates have length embedding + hidden (see Float32Rounding).
    private double Tolerance(int tokens, double logLikelihood) =>
        Float32Rounding.RowScore(tokens, logLikelihood, fixture.Lm.Model.Config.EmbeddingSize + fixture.Lm.Model.Config.HiddenSize, fixture.Lm.Vocabulary.Size);

    private IDataView Texts(params string[] texts) => fixture.Ml.Data.LoadFromEnumerable(texts.Select(t => new TextRow { Text = t }));

    [Fact]
    public void RowScoresEqualReadingOneTokenAtATime()
    {
        string[] texts = ["the fox", "a dog sees her red hen again and my cat likes some ball", "", "z", "every bird"];
        var scored = fixture.Model.Transform(Texts(texts));
        var scores = TinyGpt.Scores(scored);
        var rows = TinyGpt.ModelIds(fixture.Model.LastTransformer, scored);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(rows[i].Length + 1, scores[i].TokenCount);
            double expected = StepByStepLogLikelihood(fixture.Lm.Model, fixture.Lm.Vocabulary.Separator, rows[i]);
            Assert.Equal(expected, scores[i].LogLikelihood, Tolerance(scores[i].TokenCount, expected));
            Assert.Equal(Math.Exp(-scores[i].LogLikelihood / scores[i].TokenCount), scores[i].Perplexity, 12);
        }
    }

    [Fact]
    public void ScoringInPiecesCarryingTheStateEqualsOnePass()
    {
        var rows = TinyGpt.TokenIds(fixture.Tokenizer.Transform(fixture.Valid)).Take(10).ToArray();
        var whole = Score(fixture.Lm, rows);
        // The same network read three positions per pass: long rows continue from the state the previous pass left.
        var pieces = Score(new LstmLanguageModel(fixture.Lm.Model, fixture.Lm.Vocabulary, CPU) { MaxPiece = 3 }, rows);
        for (int i = 0; i < rows.Length; i++) Assert.Equal(whole[i], pieces[i], Tolerance(rows[i].Length + 1, whole[i]));
    }

    [Fact]
    public void ScoresDoNotDependOnBatchComposition()
    {
        // Rows of very different lengths: the batch is read longest first and narrows as rows end.
        var rows = TinyGpt.TokenIds(fixture.Tokenizer.Transform(fixture.Valid)).Take(12).Append([]).ToArray();
        var batched = Score(fixture.Lm, rows);
        for (int i = 0; i < rows.Length; i++) Assert.Equal(Score(fixture.Lm, [rows[i]])[0], batched[i], Tolerance(rows[i].Length + 1, batched[i]));
    }

    [Fact]
    public void TokenLogProbabilitiesAddUpToTheRowScore()
    {
        var rows = TinyGpt.TokenIds(fixture.Tokenizer.Transform(fixture.Valid)).Take(6).ToArray();
        var (framed, lengths, firsts) = Frame(fixture.Lm, rows);
        var ll = new double[rows.Length];
        var counts = new int[rows.Length];
        var perToken = new double[rows.Length][];
        fixture.Lm.ScoreFramed(framed, lengths, firsts, 1, ll, counts, perToken);
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.Equal(rows[i].Length + 1, perToken[i].Length);
            Assert.Equal(ll[i], perToken[i].Sum(), 1e-9);
            Assert.All(perToken[i], p => Assert.True(p < 0));
        }
    }

    [Fact]
    public void TheModelLearnsTheSourceButCannotBeatItsEntropy()
    {
        var metrics = fixture.Ml.LanguageModeling().Evaluate(fixture.Model.Transform(fixture.Valid));
        // An independent baseline: the training rows' character (and end-of-row) frequencies, scored on the same rows.
        var counts = new Dictionary<char, int>();
        foreach (char c in fixture.TrainTexts.SelectMany(t => t + "\n")) counts[c] = counts.GetValueOrDefault(c) + 1;
        double total = counts.Values.Sum();
        var valid = fixture.Ml.Data.CreateEnumerable<TextRow>(fixture.Valid, reuseRowObject: false).SelectMany(r => r.Text + "\n").ToList();
        double unigram = -valid.Average(c => Math.Log(counts[c] / total));
        Assert.True(metrics.CrossEntropy < unigram - 1.5, $"LSTM {metrics.CrossEntropy} vs unigram {unigram} nats/char");
        // No model beats the source's entropy by more than sampling noise on 40 rows: a lower figure would mean leaked targets.
        Assert.True(metrics.CrossEntropy > fixture.Source.EntropyPerCharacter - 0.1,
            $"LSTM {metrics.CrossEntropy} vs source entropy {fixture.Source.EntropyPerCharacter} nats/char");
    }

    [Fact]
    public void GenerationReadsThePromptOnceAndThenOneTokenPerStep()
    {
        var counting = new CountingNetwork(fixture.Lm.Model);
        var lm = new CountingLanguageModel(counting, fixture.Lm.Vocabulary);
        var prompt = new[] { 0, 1, 2 }.Select(i => fixture.Lm.Vocabulary.TokenKeyCount - 1 - i).ToArray();
        var generated = new TokenGenerator(lm).Generate(prompt, new GenerationOptions { MaxNewTokens = 15, Temperature = 0 }).Single().TokenIds;
        Assert.Equal(prompt.Length + 1, counting.Lengths[0]);   // the separator and the prompt, once
        Assert.All(counting.Lengths.Skip(1), length => Assert.Equal(1, length));
        Assert.Equal(generated.Count < 15 ? generated.Count + 1 : generated.Count, counting.Lengths.Count);

        // The same greedy tokens from a reference that reads the whole sequence again at every step.
        var sequence = new List<long> { fixture.Lm.Vocabulary.Separator };
        sequence.AddRange(prompt.Select(p => (long)p));
        var reference = new List<int>();
        using var noGrad = no_grad();
        while (reference.Count < 15)
        {
            using var scope = NewDisposeScope();
            var (logits, _) = fixture.Lm.Model.Forward(tensor(sequence.ToArray(), [1, sequence.Count]), fixture.Lm.Model.InitialState(1, CPU));
            var last = logits[0, sequence.Count - 1].data<float>().ToArray().Take(fixture.Lm.Vocabulary.Separator + 1).ToArray();
            int next = Array.IndexOf(last, last.Max());
            if (next == fixture.Lm.Vocabulary.Separator) break;
            reference.Add(next);
            sequence.Add(next);
        }
        Assert.Equal(reference, generated);
    }

    [Fact]
    public void SampledTextIsSeededDecodedAndChecked()
    {
        var lstm = fixture.Lstm;
        string a = lstm.Generate("the ", maxNewTokens: 30, temperature: 1.0, seed: 3);
        Assert.Equal(a, lstm.Generate("the ", maxNewTokens: 30, temperature: 1.0, seed: 3));
        Assert.NotEqual(a + "|" + lstm.Generate("the ", maxNewTokens: 30, temperature: 1.0, seed: 4) + "|" + lstm.Generate("the ", 30, 1.0, seed: 5),
            a + "|" + a + "|" + a);
        Assert.All(a, c => Assert.Contains(c.ToString(), lstm.Vocabulary!));
        Assert.Empty(lstm.GenerateTokens([1], maxNewTokens: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => lstm.Generate("the", temperature: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => lstm.GenerateTokens([fixture.Lm.Vocabulary.Separator]));
        Assert.Throws<ArgumentException>(() => lstm.GenerateTokens([1], condition: [0]));
    }

    [Fact]
    public void PredictionEngineGivesTheTransformValues()
    {
        TinyGpt.AssertPredictionEngineMatchesTransform(fixture.Ml, fixture.Model, fixture.Valid, Tolerance);
    }

    [Fact]
    public void ASavedModelScoresAndSamplesIdentically()
    {
        using var stream = new MemoryStream();
        fixture.Ml.Model.SaveArml(fixture.Model, fixture.Train.Schema, stream);
        stream.Position = 0;
        var loaded = fixture.Ml.Model.LoadArml(stream, out _);
        try
        {
            Assert.Equal(TinyGpt.Scores(fixture.Model.Transform(fixture.Valid)), TinyGpt.Scores(loaded.Transform(fixture.Valid)));
            var lstm = Assert.IsType<LanguageModelTransformer>(((TransformerChain<ITransformer>)loaded).Last());
            Assert.Equal(fixture.Lstm.Generate("a ", 40, 0.8, seed: 9), lstm.Generate("a ", 40, 0.8, seed: 9));
            Assert.Equal("ArML.LstmLanguageModel", lstm.ArmlKind);
            Assert.Equal(fixture.Lm.Model.Config, ((LstmLanguageModel)lstm.Model).Model.Config);
        }
        finally
        {
            ((IDisposable)((TransformerChain<ITransformer>)loaded).Last()).Dispose();
        }
    }

    [Fact]
    public void ScoringAnotherVocabularyFailsNamingTheColumn()
    {
        var ml = fixture.Ml;
        var other = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(Texts("xyz"));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Lstm.Transform(other.Transform(Texts("xy"))));
        Assert.Contains("'Tokens'", error.Message);
        var text = Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Lstm.GetOutputSchema(Texts("a").Schema));
        Assert.Contains("'Tokens'", text.Message);
    }

    private static double[] Score(IAutoregressiveScorer lm, int[][] rows)
    {
        var (framed, lengths, firsts) = Frame(lm, rows);
        var ll = new double[rows.Length];
        lm.ScoreFramed(framed, lengths, firsts, 1, ll, new int[rows.Length]);
        return ll;
    }

    private static (int[][] Framed, int[] Lengths, int[] FirstTargets) Frame(IAutoregressiveScorer lm, int[][] rows)
    {
        var buffer = new List<int>();
        var framed = new int[rows.Length][];
        var firsts = new int[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            firsts[i] = lm.Vocabulary.Frame([], rows[i], buffer);
            framed[i] = buffer.ToArray();
        }
        return (framed, framed.Select(f => f.Length).ToArray(), firsts);
    }
}
