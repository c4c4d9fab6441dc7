using ArML.Persistence;
using ArML.Tests.Core.Persistence;
using ArML.Tests.Support;
using ArML.Trainers.NGram;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;
using static ArML.Tests.Trainers.NGram.NGramFixtures;

namespace ArML.Tests.Trainers.NGram;

public class NGramTransformerTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Fact]
    public void TrainingStreamsTheColumnThroughOneCursor()
    {
        var rows = MarkovRows(50, seed: 9);
        var tokenizer = _ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(ToDataView(_ml, rows));
        var counting = new CountingDataView(tokenizer.Transform(ToDataView(_ml, rows)));
        var model = _ml.LanguageModeling().Trainers.NGram("Tokens", order: 3).Fit(counting);
        Assert.Equal(1, counting.CursorsOpened);
        Assert.Equal(rows.Length, counting.RowsRead);
        Assert.Equal(["Tokens"], counting.ColumnsRequested.Single());
        Assert.True(model.Model.NGramCount(3) > 50);
    }

    [Fact]
    public void WrongColumnsFailUpFrontNamingTheColumn()
    {
        var data = ToDataView(_ml, ["ab"]);
        var trainer = _ml.LanguageModeling().Trainers.NGram("Text");
        var shape = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(ArML.Schema.SchemaShapeShim.Create(data.Schema)));
        Assert.Contains("'Text'", shape.Message);
        var fit = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(data));
        Assert.Contains("'Text'", fit.Message);
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.LanguageModeling().Trainers.NGram("Nope").Fit(data));
        Assert.Contains("'Nope'", missing.Message);

        var chain = Train(_ml, ["ab", "ba"], new NGramTrainer.Options { Order = 2 });
        var other = _ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(ToDataView(_ml, ["abcdef"]));
        var mismatch = Assert.Throws<ArgumentOutOfRangeException>(() => chain.LastTransformer.Transform(other.Transform(data)));
        Assert.Contains("key count", mismatch.Message);

        var schema = chain.GetOutputSchema(data.Schema);
        Assert.Equal(NumberDataViewType.Double, schema["LogLikelihood"].Type);
        Assert.Equal(NumberDataViewType.Int32, schema["TokenCount"].Type);
        Assert.Equal(NumberDataViewType.Double, schema["Perplexity"].Type);
    }

    [Theory]
    [InlineData(0, null, 1.0, null)]
    [InlineData(3, new long[] { 1 }, 1.0, null)]
    [InlineData(3, new long[] { 0, 2, 1 }, 1.0, null)]
    [InlineData(2, new long[] { 0, 1, 1 }, 1.0, null)]
    [InlineData(3, null, 0.0, null)]
    [InlineData(3, null, 1.0, new[] { 0.5, 2.5 })]
    public void InvalidOptionsAreRejected(int order, long[]? prune, double k, double[]? fallback)
    {
        var options = new NGramTrainer.Options { Order = order, PruneThresholds = prune, AdditiveConstant = k, DiscountFallback = fallback ?? [0.5, 1, 1.5] };
        Assert.ThrowsAny<ArgumentException>(() => _ml.LanguageModeling().Trainers.NGram(options));
    }

    [Fact]
    public void KeysNeverSeenInTrainingScoreAsUnknown()
    {
        // The tokenizer knows 'c' but the model never saw it; '#' is unknown to the tokenizer too (its key 1, "<unk>").
        var tokenizer = _ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(ToDataView(_ml, ["abc"]));
        var ngram = _ml.LanguageModeling().Trainers.NGram("Tokens", order: 2).Fit(tokenizer.Transform(ToDataView(_ml, ["ab", "ba", "aab"])));
        Assert.Equal(NGramLanguageModel.UnknownWordId, ngram.WordOfToken(3));   // 'c'
        Assert.Equal(NGramLanguageModel.UnknownWordId, ngram.WordOfToken(0));   // "<unk>"
        Assert.Equal(2, ngram.MatchedKeys);

        var scores = TinyGpt.Scores(ngram.Transform(tokenizer.Transform(ToDataView(_ml, ["c", "#"]))));
        var m = ngram.Model;
        double expected = m.ScoreSentence([NGramLanguageModel.UnknownWordId]).LogLikelihood;
        Assert.Equal(expected, scores[0].LogLikelihood, 12);
        Assert.Equal(expected, scores[1].LogLikelihood, 12);
        // p(<unk>) is the uniform share of the lowest order only: the vocabulary is what training saw.
        Assert.Equal(5, m.VocabularySize);
        Assert.True(m.Log10Probability([], NGramLanguageModel.UnknownWordId) < m.Log10Probability([], Id(m, "a")));
    }

    [Fact]
    public void SavedPipelinesScoreAndGenerateTheSame()
    {
        var rows = MarkovRows(80, seed: 11);
        var data = ToDataView(_ml, rows);
        var model = Train(_ml, rows, new NGramTrainer.Options { Order = 4, PruneThresholds = [0, 0, 1] });
        using var stream = new MemoryStream();
        _ml.Model.SaveArml(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = _ml.Model.LoadArml(stream, out var schema);

        var valid = ToDataView(_ml, MarkovRows(20, seed: 12));
        Assert.Equal(TinyGpt.Scores(model.Transform(valid)), TinyGpt.Scores(loaded.Transform(valid)));
        var back = Assert.IsType<NGramTransformer>(((TransformerChain<ITransformer>)loaded).Last());
        Assert.Equal(model.LastTransformer.Generate("the ", 60, 0.8, seed: 3), back.Generate("the ", 60, 0.8, seed: 3));
        Assert.Equal(model.LastTransformer.Vocabulary, back.Vocabulary);
        var a = new StringWriter();
        var b = new StringWriter();
        model.LastTransformer.ExportArpa(a);
        back.ExportArpa(b);
        Assert.Equal(a.ToString(), b.ToString());
        Assert.Equal(data.Schema.Count, schema.Count);
    }

    [Fact]
    public void InconsistentSavedModelsAreRejectedOnLoad()
    {
        var (edit, trieEntry, tensors) = SavedBigramTrie(_ml);

        // A forged file with consistent checksums whose bigrams name a word outside the vocabulary.
        var words = tensors["2.words"];
        var forged = new Dictionary<string, TensorData>(tensors) { ["2.words"] = words with { Data = words.Data.Select(_ => (byte)99).ToArray() } };
        edit.ReplaceConsistently(trieEntry, SafeTensorsFormat.ToBytes(forged));
        var e = Assert.Throws<ArmlModelFormatException>(() => _ml.Model.LoadArml(new MemoryStream(edit.ToZip()), out _));
        Assert.Contains("outside", e.Message);

        // One that lacks a tensor the configuration calls for.
        forged.Remove("2.words");
        edit.ReplaceConsistently(trieEntry, SafeTensorsFormat.ToBytes(forged));
        e = Assert.Throws<ArmlModelFormatException>(() => _ml.Model.LoadArml(new MemoryStream(edit.ToZip()), out _));
        Assert.Contains("'2.words'", e.Message);
    }

    [Fact]
    public void GreedyGenerationFollowsTheMostLikelyWordAndStopsAtTheSentenceEnd()
    {
        var ngram = Train(_ml, MarkovRows(120, seed: 13), new NGramTrainer.Options { Order = 5 }).LastTransformer;
        var m = ngram.Model;
        var generated = ngram.GenerateTokens([], maxNewTokens: 500, temperature: 0);
        Assert.True(generated.Length is > 0 and < 500, $"{generated.Length} tokens");

        var history = new List<int> { NGramLanguageModel.SentenceStartId };
        foreach (int token in generated.Append(-1))
        {
            // The best candidate, computed afresh: every word a key spells, except <unk>, and </s>.
            int best = Enumerable.Range(0, m.VocabularySize)
                .Where(w => w == NGramLanguageModel.SentenceEndId || (w > NGramLanguageModel.SentenceEndId))
                .MaxBy(w => m.Log10Probability(history.ToArray(), w));
            Assert.Equal(token < 0 ? NGramLanguageModel.SentenceEndId : ngram.WordOfToken(token), best);
            if (token >= 0) history.Add(ngram.WordOfToken(token));
        }
    }

    [Fact]
    public void SamplingFollowsTheModelDistribution()
    {
        var ngram = Train(_ml, MarkovRows(60, seed: 14), new NGramTrainer.Options { Order = 3 }).LastTransformer;
        var m = ngram.Model;
        string prompt = "the ";
        var promptWords = new List<int> { NGramLanguageModel.SentenceStartId };
        promptWords.AddRange(Ids(m, Words(prompt)));
        var candidates = Enumerable.Range(NGramLanguageModel.SentenceEndId, m.VocabularySize - NGramLanguageModel.SentenceEndId).ToArray();
        double total = candidates.Sum(w => Math.Pow(10, m.Log10Probability(promptWords.ToArray(), w)));

        const int draws = 3000;
        var counts = new Dictionary<int, int>();
        var ids = new List<int>();
        ngram.Codec!.Encode(prompt, ids);
        for (int seed = 0; seed < draws; seed++)
        {
            var next = ngram.GenerateTokens(ids, maxNewTokens: 1, temperature: 1, seed: seed);
            int word = next.Length == 0 ? NGramLanguageModel.SentenceEndId : ngram.WordOfToken(next[0]);
            counts[word] = counts.GetValueOrDefault(word) + 1;
        }
        foreach (int w in candidates)
        {
            double p = Math.Pow(10, m.Log10Probability(promptWords.ToArray(), w)) / total;
            double observed = counts.GetValueOrDefault(w) / (double)draws;
            Assert.True(Math.Abs(observed - p) <= 4 * Math.Sqrt(p * (1 - p) / draws) + 1e-3, $"word {m.Words[w]}: drawn {observed:F4}, model {p:F4}");
        }
        Assert.Equal(ngram.Generate(prompt, 40, 1.0, seed: 5), ngram.Generate(prompt, 40, 1.0, seed: 5));
    }
}
