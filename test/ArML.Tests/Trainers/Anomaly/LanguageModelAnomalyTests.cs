using ArML.Persistence;
using ArML.Schema;
using ArML.Trainers;
using ArML.Trainers.Baseline;
using ArML.Trainers.Gpt;
using ArML.Trainers.Lstm;
using ArML.Trainers.NGram;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using Xunit;

namespace ArML.Tests.Trainers.Anomaly;

public sealed class LanguageModelAnomalyTests(AnomalyFixture fixture) : IClassFixture<AnomalyFixture>
{
    private IEnumerable<(string Name, ITransformer Model, LanguageModelAnomalyScoring Scoring)> Models() =>
    [
        ("GPT", fixture.Gpt, fixture.Gpt.AnomalyScoring!),
        ("LSTM", fixture.Lstm, fixture.Lstm.AnomalyScoring!),
        ("baseline", fixture.Baseline, fixture.Baseline.AnomalyScoring!),
        ("n-gram", fixture.NGram, fixture.NGram.AnomalyScoring!),
    ];

    [Fact]
    public void ScoreAndPredictedLabelFollowTheTokenLogProbabilities()
    {
        foreach (var (name, model, scoring) in Models())
        {
            Assert.Equal(AnomalyScoreKind.MeanSurprisal, scoring.ScoreKind);
            foreach (var row in ScoredRow.Read(fixture.Score(model, fixture.Labeled)))
            {
                Assert.Equal(row.TokenCount, row.Surprisals.Length);
                Assert.Equal(row.TokenCount, row.Ranks.Length);
                double sum = 0;   // in token order, as the scorers add them
                foreach (double s in row.Surprisals) sum += s;
                if (row.LogProbabilities is { } logp)
                {
                    // GPT and LSTM: the diagnostics are the log-probability column negated, and Score its mean.
                    Assert.Equal(logp.Select(v => -v), row.Surprisals);
                    Assert.Equal((float)(sum / row.TokenCount), row.Score);
                }
                else
                {
                    // n-gram: LogLikelihood is summed in log10 units, the surprisals converted one by one.
                    Assert.Equal(-row.LogLikelihood, sum, 1e-12 * Math.Max(1, sum));
                    Assert.Equal((float)(-row.LogLikelihood / row.TokenCount), row.Score);
                }
                Assert.Equal(row.Score > scoring.Threshold, row.PredictedLabel);
                Assert.Equal(row.Ranks.Count(r => r > AnomalyFixture.TopG), row.TopGMisses);
                Assert.All(row.Ranks, r => Assert.InRange(r, 1, int.MaxValue));
            }
            Assert.True(scoring.TokenDiagnostics, name);
        }
    }

    [Fact]
    public void TotalSurprisalScoresTheWholeRowAndAChosenThresholdIsKept()
    {
        var total = fixture.NGram.WithAnomalyScoring(new LanguageModelAnomalyScoring(AnomalyScoreKind.TotalSurprisal, 30f));
        var scored = fixture.Score(total, fixture.Labeled);
        Assert.Null(scored.Schema.GetColumnOrNull("TokenRanks"));
        var ll = scored.GetColumn<double>("LogLikelihood").ToArray();
        var score = scored.GetColumn<float>("Score").ToArray();
        var predicted = scored.GetColumn<bool>("PredictedLabel").ToArray();
        for (int i = 0; i < ll.Length; i++)
        {
            Assert.Equal((float)-ll[i], score[i]);
            Assert.Equal(score[i] > 30f, predicted[i]);
        }
        Assert.Contains(true, predicted);
        Assert.Contains(false, predicted);
    }

    [Fact]
    public void TheThresholdIsTheQuantileOfTheReferenceScores()
    {
        Assert.Equal(Quantile(fixture.Gpt.WithAnomalyScoring(null), fixture.Reference), fixture.Gpt.AnomalyScoring!.Threshold);
        Assert.Equal(Quantile(fixture.Lstm.WithAnomalyScoring(null), fixture.Reference), fixture.Lstm.AnomalyScoring!.Threshold);
        Assert.Equal(Quantile(fixture.NGram.WithAnomalyScoring(null), fixture.Reference), fixture.NGram.AnomalyScoring!.Threshold);
        Assert.Equal(Quantile(fixture.Baseline.WithAnomalyScoring(null), fixture.Train), fixture.Baseline.AnomalyScoring!.Threshold);
        // Without a reference set the trainer takes the training rows; WithAnomalyScoring takes the rows it is given.
        var options = AnomalyFixture.Options();
        var fitted = fixture.Ml.LanguageModeling().Trainers.NGram(new NGramTrainer.Options { TokenColumnName = "Tokens", Order = 3, AnomalyScoring = options })
            .Fit(fixture.Tokenizer.Transform(fixture.Train));
        Assert.Equal(Quantile(fixture.NGram.WithAnomalyScoring(null), fixture.Train), fitted.AnomalyScoring!.Threshold);
        Assert.Equal(fixture.NGram.AnomalyScoring,
            fixture.NGram.WithAnomalyScoring(fixture.Tokenizer.Transform(fixture.Reference), AnomalyFixture.Options()).AnomalyScoring);
    }

    // The 0.9 quantile of −LogLikelihood / TokenCount over the rows, from the plain scorer's columns.
    private float Quantile(ITransformer plain, IDataView rows)
    {
        var scored = fixture.Score(plain, rows);
        Assert.Null(scored.Schema.GetColumnOrNull("Score"));
        var ll = scored.GetColumn<double>("LogLikelihood").ToArray();
        var counts = scored.GetColumn<int>("TokenCount").ToArray();
        var scores = ll.Select((l, i) => (float)(-l / counts[i])).OrderBy(s => s).ToArray();
        return scores[(int)Math.Floor(AnomalyFixture.Quantile * scores.Length)];
    }

    [Fact]
    public void RanksMatchABruteForceRankingOfTheWholeDistribution()
    {
        int decided = 0, total = 0;
        foreach (var row in ScoredRow.Read(fixture.Score(fixture.Gpt, fixture.Labeled)))
        {
            var framed = Framed(fixture.Gpt, row.Tokens);
            var lm = (GptLanguageModel)fixture.Gpt.Model;
            var logp = LogSoftmax(Forward(framed, x => lm.Model.call(x)), lm.Vocabulary.Size);
            CheckRanks(row.Ranks, logp, framed[1..], lm.Vocabulary.Separator + 1, [], NetworkTolerance, ref decided, ref total);
        }
        foreach (var row in ScoredRow.Read(fixture.Score(fixture.Lstm, fixture.Labeled)))
        {
            var framed = Framed(fixture.Lstm, row.Tokens);
            var lm = (LstmLanguageModel)fixture.Lstm.Model;
            var logp = LogSoftmax(Forward(framed, x => lm.Model.Forward(x, lm.Model.InitialState(1, lm.Device)).Item1), lm.Vocabulary.Size);
            CheckRanks(row.Ranks, logp, framed[1..], lm.Vocabulary.Separator + 1, [], NetworkTolerance, ref decided, ref total);
        }
        foreach (var row in ScoredRow.Read(fixture.Score(fixture.Baseline, fixture.Labeled)))
        {
            var framed = Framed(fixture.Baseline, row.Tokens);
            var lm = (LinearBaselineLanguageModel)fixture.Baseline.Model;
            var logp = LogSoftmax(Forward(framed, x => lm.Model.Forward(x, lm.Model.InitialState(1, lm.Device)).Item1), lm.Vocabulary.Size);
            CheckRanks(row.Ranks, logp, framed[1..], lm.Vocabulary.Separator + 1, [], NetworkTolerance, ref decided, ref total);
        }
        foreach (var row in ScoredRow.Read(fixture.Score(fixture.NGram, fixture.Labeled)))
        {
            var model = fixture.NGram.Model;
            var words = row.Tokens.Select(k => fixture.NGram.WordOfToken((int)k - 1)).Append(NGramLanguageModel.SentenceEndId).ToArray();
            var context = new List<int> { NGramLanguageModel.SentenceStartId };
            var log10 = new double[words.Length][];
            for (int i = 0; i < words.Length; i++)
            {
                log10[i] = Enumerable.Range(0, model.VocabularySize).Select(w => model.Log10Probability(context.ToArray(), w)).ToArray();
                context.Add(words[i]);
            }
            CheckRanks(row.Ranks, log10, words, model.VocabularySize, [NGramLanguageModel.SentenceStartId], 1e-5, ref decided, ref total);
        }
        // Near-ties (within the tolerance) allow a band of ranks; nearly every rank must be decided exactly.
        Assert.True(decided >= 0.95 * total, $"{decided} of {total} ranks were decided without a near-tie.");
    }

    // Log-probabilities of float32 networks computed with other batch shapes differ by a few float32 roundings of
    // values of magnitude ~10 (about 1e-6 each).
    private const double NetworkTolerance = 2e-5;

    // The model's ids of a row: keys to ids, then framed (separator, tokens, separator).
    private static int[] Framed(LanguageModelTransformer model, uint[] keys)
    {
        var ids = keys.Select(k => (int)k - 1).ToArray();
        model.KeyMap.ToModelIds(ids, "Tokens", 0);
        var framed = new List<int>();
        model.Model.Vocabulary.Frame([], ids, framed);
        return framed.ToArray();
    }

    // The network's logits at every input position of one framed row (all but its last id), in one pass.
    private static float[] Forward(int[] framed, Func<torch.Tensor, torch.Tensor> network)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = torch.tensor(framed[..^1].Select(i => (long)i).ToArray(), [1, framed.Length - 1]);
        return network(x).to_type(torch.ScalarType.Float32).cpu().data<float>().ToArray();
    }

    private static double[][] LogSoftmax(float[] logits, int vocabulary) =>
        logits.Chunk(vocabulary).Select(row =>
        {
            double max = row.Max();
            double log = max + Math.Log(row.Sum(v => Math.Exp(v - max)));
            return row.Select(v => v - log).ToArray();
        }).ToArray();

    // Each rank must lie between 1 + (ids clearly above the target) and 1 + (ids not clearly below it).
    private static void CheckRanks(int[] ranks, double[][] logp, int[] targets, int predictable, int[] excluded, double tolerance,
        ref int decided, ref int total)
    {
        Assert.Equal(targets.Length, ranks.Length);
        for (int i = 0; i < ranks.Length; i++)
        {
            double target = logp[i][targets[i]];
            int above = 0, notBelow = 0;
            for (int v = 0; v < predictable; v++)
            {
                if (v == targets[i] || excluded.Contains(v)) continue;
                if (logp[i][v] > target + tolerance) above++;
                if (logp[i][v] > target - tolerance) notBelow++;
            }
            Assert.InRange(ranks[i], above + 1, notBelow + 1);
            total++;
            if (above == notBelow) decided++;
        }
    }

    [Fact]
    public void AnomalyDetectionEvaluateReadsTheColumns()
    {
        foreach (var (name, model, _) in Models())
        {
            var scored = fixture.Score(model, fixture.Labeled);
            var metrics = fixture.Ml.AnomalyDetection.Evaluate(scored, falsePositiveCount: 2);
            var score = scored.GetColumn<float>("Score").ToArray();
            var label = scored.GetColumn<float>("Label").Select(l => l > 0).ToArray();
            // AUC as the share of (anomaly, ordinary) pairs ordered correctly, ties counting one half.
            double pairs = 0, correct = 0;
            for (int a = 0; a < score.Length; a++)
                for (int b = 0; b < score.Length; b++)
                    if (label[a] && !label[b])
                    {
                        pairs++;
                        correct += score[a] > score[b] ? 1 : score[a] == score[b] ? 0.5 : 0;
                    }
            Assert.Equal(correct / pairs, metrics.AreaUnderRocCurve, 9);
            // The n-gram model is fully estimated; the networks here are trained for a few dozen steps only.
            if (name == "n-gram") Assert.True(metrics.AreaUnderRocCurve > 0.8, $"{name}: AUC {metrics.AreaUnderRocCurve} on reversed rows.");
        }
    }

    [Fact]
    public void ASavedModelKeepsItsAnomalyScoring()
    {
        foreach (var (name, model, scoring) in Models())
        {
            var chain = new TransformerChain<ITransformer>(fixture.Tokenizer, model);
            using var stream = new MemoryStream();
            fixture.Ml.Model.SaveArml(chain, fixture.Train.Schema, stream);
            stream.Position = 0;
            var loaded = (TransformerChain<ITransformer>)fixture.Ml.Model.LoadArml(stream, out _);
            try
            {
                var last = loaded.Last();
                var kept = last is LanguageModelTransformer lm ? lm.AnomalyScoring : ((NGramTransformer)last).AnomalyScoring;
                Assert.Equal(scoring, kept);
                var before = ScoredRow.Read(chain.Transform(fixture.Labeled));
                var after = ScoredRow.Read(loaded.Transform(fixture.Labeled));
                Assert.Equal(before.Count, after.Count);
                for (int i = 0; i < before.Count; i++)
                {
                    Assert.Equal(before[i].Score, after[i].Score);
                    Assert.Equal(before[i].PredictedLabel, after[i].PredictedLabel);
                    Assert.Equal(before[i].Ranks, after[i].Ranks);
                    Assert.Equal(before[i].Surprisals, after[i].Surprisals);
                }
            }
            finally
            {
                (loaded.Last() as IDisposable)?.Dispose();
            }
            Assert.NotNull(name);
        }
    }

    [Fact]
    public void AModelSavedWithoutAnomalyScoringLoadsWithoutIt()
    {
        using var plain = fixture.Gpt.WithAnomalyScoring(null);
        using var stream = new MemoryStream();
        fixture.Ml.Model.SaveArml(new TransformerChain<ITransformer>(fixture.Tokenizer, plain), fixture.Train.Schema, stream);
        stream.Position = 0;
        var loaded = (TransformerChain<ITransformer>)fixture.Ml.Model.LoadArml(stream, out _);
        using var model = Assert.IsType<LanguageModelTransformer>(loaded.Last());
        Assert.Null(model.AnomalyScoring);
        Assert.Null(loaded.Transform(fixture.Labeled).Schema.GetColumnOrNull("Score"));
    }

    [Fact]
    public void TheTrainersDeclareTheColumnsAndCheckTheOptions()
    {
        var input = SchemaShapeShim.Create(fixture.Tokenizer.Transform(fixture.Train).Schema);
        var options = new NGramTrainer.Options { TokenColumnName = "Tokens", AnomalyScoring = AnomalyFixture.Options() };
        var shape = fixture.Ml.LanguageModeling().Trainers.NGram(options).GetOutputSchema(input);
        foreach (var column in new[] { "Score", "PredictedLabel", "TokenSurprisals", "TokenRanks", "TopGMisses" })
            Assert.True(ColumnChecks.Find(shape, column) is not null, column);
        var bad = Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Ml.LanguageModeling().Trainers.NGram(
            new NGramTrainer.Options { AnomalyScoring = new LanguageModelAnomalyOptions { ThresholdQuantile = 1.5 } }));
        Assert.Contains("ThresholdQuantile", bad.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => fixture.NGram.WithAnomalyScoring(new LanguageModelAnomalyScoring(AnomalyScoreKind.MeanSurprisal, float.NaN)));
        Assert.Throws<ArgumentOutOfRangeException>(() => fixture.NGram.WithAnomalyScoring(new LanguageModelAnomalyScoring(AnomalyScoreKind.MeanSurprisal, 1f, TopG: 0)));
        var empty = fixture.Tokenizer.Transform(fixture.Ml.Data.LoadFromEnumerable(Array.Empty<ArML.Tests.Support.TextRow>()));
        Assert.Throws<InvalidOperationException>(() => fixture.NGram.WithAnomalyScoring(empty));
    }
}
