using ArML.Data;
using ArML.Tests.Support;
using ArML.Text;
using ArML.Tests.Trainers.Generation;
using ArML.Trainers.Generation;
using ArML.Trainers.NGram;
using Microsoft.ML;
using Xunit;
using static ArML.Tests.Trainers.NGram.NGramFixtures;

namespace ArML.Tests.Trainers.NGram;

/// <summary>
/// Step decoding of the n-gram model: the carried context state (KenLM-style) against the backoff definition looked
/// up afresh for every word, and against sentence scoring.
/// </summary>
public class NGramStepDecodingTests
{
    private static readonly double Ln10 = Math.Log(10);
    private readonly MLContext _ml = new(seed: 1);

    [Fact]
    public void CachedStepsEqualTheBackoffDefinitionAndSentenceScoringExactly()
    {
        var ngram = Train(_ml, MarkovRows(120, seed: 13), new NGramTrainer.Options { Order = 4 }).LastTransformer;
        var model = (NGramStepModel)ngram.DecodingModel;
        var m = ngram.Model;
        int v = model.LogitCount;
        int[][] prompts = [[], [0, 1, 2, 3, 4], [model.UnknownTokenId, 2]];
        var rows = prompts.Select(p => model.BeginRow(p, null)).ToList();
        // Each row's sentence so far as model words, <s> first, kept here independently of the decoder.
        var contexts = prompts.Select(p => new List<int> { NGramLanguageModel.SentenceStartId }.Concat(p.Select(model.WordOf)).ToList()).ToList();
        var sentenceLog10 = contexts.Select(c => Enumerable.Range(1, c.Count - 1).Aggregate(0.0, (sum, k) => sum + m.Log10Probability(c.Take(k).ToArray(), c[k]))).ToArray();
        using var cached = model.CreateDecoder();
        using var recomputed = model.CreateDecoder(StepDecoderMode.Recompute);
        var a = new float[rows.Count * v];
        var b = new float[rows.Count * v];
        cached.Prefill(rows, a);
        recomputed.Prefill(rows, b);
        var random = new Random(3);
        int sentencesEnded = 0;
        for (int step = 0; step < 60; step++)
        {
            Assert.Equal(b, a);
            for (int r = 0; r < rows.Count; r++)
                for (int id = 0; id < v; id++)
                {
                    int word = model.WordOf(id);
                    float expected = word == NGramLanguageModel.UnknownWordId
                        ? float.NegativeInfinity
                        : (float)(m.Log10Probability(contexts[r].ToArray(), word) * Ln10);
                    Assert.True(expected == a[r * v + id], $"step {step}, row {r}, id {id}: decoded {a[r * v + id]}, backoff definition {expected}");
                }
            // Mostly tokens, sometimes the end of the row, which starts the next sentence.
            var ids = rows.Select(_ => random.Next(8) == 0 ? model.EndOfRowId : random.Next(model.TokenCount)).ToArray();
            for (int r = 0; r < rows.Count; r++)
            {
                int word = model.WordOf(ids[r]);
                sentenceLog10[r] += m.Log10Probability(contexts[r].ToArray(), word);
                if (ids[r] == model.EndOfRowId)
                {
                    // The sum of the steps' log10 values, in order, is exactly what sentence scoring sums.
                    var sentence = contexts[r].Skip(1).ToArray();
                    Assert.Equal(m.ScoreSentence(sentence).LogLikelihood, sentenceLog10[r] * Ln10);
                    sentencesEnded++;
                    contexts[r] = [NGramLanguageModel.SentenceStartId];
                    sentenceLog10[r] = 0;
                }
                else contexts[r].Add(word);
            }
            cached.Append(ids, a);
            recomputed.Append(ids, b);
        }
        Assert.True(sentencesEnded >= 3, $"{sentencesEnded} sentences ended");
    }

    [Fact]
    public void BeamSearchEqualsAnExhaustiveSearch()
    {
        var ngram = Train(_ml, ["aab", "ab", "b", "abb", "ba"], new NGramTrainer.Options { Order = 3 }).LastTransformer;
        var model = (NGramStepModel)ngram.DecodingModel;
        var m = ngram.Model;
        int[] prompt = ToModelIds(ngram, "a");
        ExhaustiveBeamSearch.AssertBeamsAreTheBestHypotheses(model, prompt, row =>
        {
            int[] context = [NGramLanguageModel.SentenceStartId, .. prompt.Concat(row).Select(model.WordOf)];
            var scores = Enumerable.Range(0, model.TokenCount + 1).Select(c =>
            {
                int word = c == model.TokenCount ? NGramLanguageModel.SentenceEndId : model.WordOf(c);
                return word == NGramLanguageModel.UnknownWordId ? double.NegativeInfinity : m.Log10Probability(context, word) * Ln10;
            }).ToArray();
            double log = Math.Log(scores.Sum(Math.Exp));
            return scores.Select(s => s - log).ToArray();
        });
    }

    [Fact]
    public void GenerationHonoursUnseenKeysAsScoringDoes()
    {
        var rows = MarkovRows(60, seed: 14);
        // The tokenizer knows 'Q'; the n-gram model never saw it.
        var tokenizer = _ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(ToDataView(_ml, [.. rows, "QQ"]));
        var train = tokenizer.Transform(ToDataView(_ml, rows));
        foreach (var policy in new[] { UnseenKeyPolicy.Throw, UnseenKeyPolicy.ScoreAsUnknown })
        {
            var ngram = _ml.LanguageModeling().Trainers.NGram(new NGramTrainer.Options { Order = 3, UnseenKeys = policy }).Fit(train);
            var chain = tokenizer.Append(ngram);
            var generator = _ml.LanguageModeling().CreateTextGenerator(chain);
            var options = new GenerationOptions { Temperature = 0, MaxNewTokens = 5 };
            var probe = tokenizer.Transform(ToDataView(_ml, ["the Q"]));
            if (policy == UnseenKeyPolicy.Throw)
            {
                Assert.Throws<InvalidDataException>(() => TinyGpt.Scores(ngram.Transform(probe)));
                Assert.Contains("never occurred", Assert.Throws<ArgumentException>(() => generator.Generate("the Q", options)).Message);
                Assert.Contains("never occurred", Assert.Throws<ArgumentOutOfRangeException>(() => ngram.Generate("the Q", 5, 0)).Message);
                Assert.Equal(generator.Generate("the ", options), ngram.Generate("the ", 5, 0));
            }
            else
            {
                // Read as <unk>, as scoring reads it: greedy decoding follows the context (<s> t h e ␠ <unk>).
                var model = (NGramStepModel)ngram.DecodingModel;
                int[] context = [NGramLanguageModel.SentenceStartId, .. Ids(ngram.Model, Words("the ")), NGramLanguageModel.UnknownWordId];
                int best = Enumerable.Range(0, model.TokenCount + 1).Where(c => c != model.UnknownTokenId)
                    .MaxBy(c => ngram.Model.Log10Probability(context, model.WordOf(c)));
                var first = generator.Tokens.Generate(ToModelIds(ngram, "the Q"), new GenerationOptions { Temperature = 0, MaxNewTokens = 1 }).Single();
                Assert.Equal(best == model.EndOfRowId ? [] : [best], first.TokenIds);
                Assert.Equal(generator.Generate("the Q", options), ngram.Generate("the Q", 5, 0));
            }
        }
    }

    private static int[] ToModelIds(NGramTransformer ngram, string text)
    {
        var ids = new List<int>();
        KeyMappedCodec.Over(ngram.Codec!, ngram.KeyMap).Encode(text, ids);
        return ids.ToArray();
    }
}
