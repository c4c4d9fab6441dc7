using ArML.Data;
using ArML.Persistence;
using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using ArML.Trainers.Lstm;
using ArML.Trainers.NGram;
using ArML.Trainers.Generation;
using ArML.Trainers.Stateful;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers;

/// <summary>
/// ML.NET's own key columns as token columns (issue 14): <c>TokenizeIntoCharactersAsKeys</c> declares 65,535 keys and
/// <c>MapValueToKey</c> writes key 0 for values it never saw. Every family learns the keys its training data used plus
/// an unknown token, scores unseen keys as that token, generates through the characters, and saves the map.
/// </summary>
public class MlNetKeyColumnTests
{
    private static readonly string[] Train = ["ab ba", "abba c", "cab", "a b c"];

    // The training rows' UTF-16 units and ML.NET's row markers (STX, ETX), in code order: the used keys.
    private static readonly char[] Used = Train.SelectMany(t => t).Append('\u0002').Append('\u0003').Distinct().Order().ToArray();

    private static IDataView Rows(MLContext ml, params string[] texts) => ml.Data.LoadFromEnumerable(texts.Select(t => new TextRow { Text = t }));

    private static IEstimator<ITransformer> Characters(MLContext ml) => ml.Transforms.Text.TokenizeIntoCharactersAsKeys("Tokens", "Text");

    private static GptTrainer.Options GptOptions()
    {
        var options = TinyGpt.Options(iterations: 5);
        options.TokenLogProbabilities = true;
        return options;
    }

    // Model id of a character under the compact vocabulary, computed here: its rank among the used characters.
    private static int IdOf(char c) => Array.IndexOf(Used, c) is >= 0 and var i ? i : Used.Length;

    [Fact]
    public void TheGptSoftmaxIsAsWideAsTheCharactersTrainingUsed()
    {
        var ml = new MLContext(seed: 1);
        using var model = Characters(ml).Append(ml.LanguageModeling().Trainers.Gpt(GptOptions())).Fit(Rows(ml, Train)).LastTransformer;
        var lm = (GptLanguageModel)model.Model;
        Assert.Equal(65_535, model.KeyCount);
        Assert.Equal(Used.Length + 1, lm.Vocabulary.TokenKeyCount);            // the used characters and the unknown token
        Assert.Equal(Used.Length + 2, lm.Model.Config.VocabularySize);         // and the separator
        Assert.Equal(Used.Select(c => (int)c).ToArray(), model.KeyMap.UsedKeys);   // key k is code unit k
    }

    [Fact]
    public void UnseenCharactersScoreAsTheUnknownToken()
    {
        var ml = new MLContext(seed: 1);
        var chain = Characters(ml).Append(ml.LanguageModeling().Trainers.Gpt(GptOptions())).Fit(Rows(ml, Train));
        using var model = chain.LastTransformer;
        var lm = (GptLanguageModel)model.Model;
        string[] texts = ["abQ", "abZ", "ab c"];
        var scores = TinyGpt.Scores(chain.Transform(Rows(ml, texts)));
        for (int i = 0; i < texts.Length; i++)
        {
            // The ids written out independently: STX, the characters (unseen ones as the unknown token), ETX.
            int[] ids = [IdOf('\u0002'), .. texts[i].Select(IdOf), IdOf('\u0003')];
            var expected = new double[1];
            lm.Score([ids], [ids.Length], lm.ContextLength / 2, expected, new int[1]);
            // Both sides are the same float32 forward pass over the same ids (batched or alone): a few ulps of ~10 nats.
            Assert.Equal(expected[0], scores[i].LogLikelihood, 1e-5);
            Assert.Equal(ids.Length + 1, scores[i].TokenCount);
        }
        Assert.Equal(scores[0].LogLikelihood, scores[1].LogLikelihood, 1e-9);   // Q and Z are both unknown
    }

    [Fact]
    public void GenerationEncodesPromptsWithSpacesThroughTheCharacters()
    {
        var ml = new MLContext(seed: 1);
        var chain = Characters(ml).Append(ml.LanguageModeling().Trainers.Gpt(GptOptions())).Fit(Rows(ml, Train));
        using var model = chain.LastTransformer;
        var lm = (GptLanguageModel)model.Model;
        string text = model.Generate("ab c", maxNewTokens: 8, temperature: 0);
        Assert.All(text, c => Assert.Contains(c, Used));

        // The first greedy token, computed here from the model's logits after SEP a b ' ' c (the unknown token excluded).
        long[] prefix = [lm.SeparatorId, IdOf('a'), IdOf('b'), IdOf(' '), IdOf('c')];
        float[] logits;
        using (no_grad()) logits = lm.Model.call(tensor(prefix, [1, prefix.Length]))[0, prefix.Length - 1].data<float>().ToArray();
        int best = Enumerable.Range(0, lm.Vocabulary.Separator + 1).Where(i => i != lm.Vocabulary.UnknownToken).MaxBy(i => logits[i]);
        Assert.Equal(best == lm.SeparatorId ? "" : Used[best].ToString(), text.Length == 0 ? "" : text[..1]);

        var generator = ml.LanguageModeling().CreateTextGenerator(chain);
        string viaGenerator = generator.Generate("ab c", new GenerationOptions { Temperature = 0, MaxNewTokens = 8 });
        Assert.Equal(text, viaGenerator);
    }

    [Fact]
    public void SavedAndLoadedModelsMapKeysTheSameWay()
    {
        var ml = new MLContext(seed: 1);
        var chain = Characters(ml).Append(ml.LanguageModeling().Trainers.Gpt(GptOptions())).Fit(Rows(ml, Train));
        var probe = Rows(ml, "abQ", "cab", "", "zz top");
        var before = TinyGpt.Scores(chain.Transform(probe));
        var stream = new MemoryStream();
        ml.Model.SaveArml(chain, Rows(ml, Train).Schema, stream);
        chain.LastTransformer.Dispose();
        stream.Position = 0;
        var loaded = ml.Model.LoadArml(stream, out _);
        var after = TinyGpt.Scores(loaded.Transform(probe));
        Assert.Equal(before, after);
        var lm = ((TransformerChain<ITransformer>)loaded).OfType<LanguageModelTransformer>().Single();
        Assert.Equal(Used.Select(c => (int)c).ToArray(), lm.KeyMap.UsedKeys);
        Assert.NotNull(lm.Generate("a b", maxNewTokens: 4, temperature: 0));
        lm.Dispose();
    }

    [Fact]
    public void TheLstmLearnsTheUsedCharactersScoresUnseenOnesAndRoundTrips()
    {
        var ml = new MLContext(seed: 1);
        var options = TinyLstm.Options(iterations: 5);
        options.HiddenSize = 16;
        var chain = Characters(ml).Append(ml.LanguageModeling().Trainers.Lstm(options)).Fit(Rows(ml, Train));
        var lm = (LstmLanguageModel)chain.LastTransformer.Model;
        Assert.Equal(Used.Length + 2, lm.Model.VocabularySize);   // used characters, unknown token, separator
        var probe = Rows(ml, "abQ", "abZ", "a b");
        var scores = TinyGpt.Scores(chain.Transform(probe));
        Assert.All(scores, s => Assert.True(double.IsFinite(s.LogLikelihood)));
        Assert.Equal(scores[0].LogLikelihood, scores[1].LogLikelihood, 1e-9);
        Assert.All(chain.LastTransformer.Generate("a b", maxNewTokens: 6, temperature: 0), c => Assert.Contains(c, Used));

        var stream = new MemoryStream();
        ml.Model.SaveArml(chain, Rows(ml, Train).Schema, stream);
        chain.LastTransformer.Dispose();
        stream.Position = 0;
        var loaded = ml.Model.LoadArml(stream, out _);
        Assert.Equal(scores, TinyGpt.Scores(loaded.Transform(probe)));
        ((TransformerChain<ITransformer>)loaded).OfType<LanguageModelTransformer>().Single().Dispose();
    }

    [Fact]
    public void TheLinearBaselineLearnsTheUsedCharacters()
    {
        var ml = new MLContext(seed: 1);
        var options = new ArML.Trainers.Baseline.LinearBaselineTrainer.Options { MaxIterations = 3, EmbeddingSize = 8, BatchSize = 4, SequenceLength = 8 };
        using var model = Characters(ml).Append(ml.LanguageModeling().Trainers.LinearBaseline(options)).Fit(Rows(ml, Train)).LastTransformer;
        Assert.Equal(Used.Length + 2, ((ArML.Trainers.Baseline.LinearBaselineLanguageModel)model.Model).Model.VocabularySize);
    }

    [Fact]
    public void TheNGramModelSpellsEveryCharacterKeyAndGeneratesAfterASpace()
    {
        var ml = new MLContext(seed: 1);
        var chain = Characters(ml).Append(ml.LanguageModeling().Trainers.NGram(new NGramTrainer.Options { Order = 3 })).Fit(Rows(ml, Train));
        var ngram = chain.LastTransformer;
        Assert.Equal(Used.Length, ngram.MatchedKeys);
        var writer = new StringWriter();
        ngram.ExportArpa(writer);
        Assert.Contains("\t<sp>", writer.ToString());

        // Unseen characters are <unk>: the score is the model's own sentence probability over its words, looked up by spelling.
        var scores = TinyGpt.Scores(chain.Transform(Rows(ml, "abQ", "ab c")));
        var words = ngram.Model.Words.ToList();
        int Word(char c) => c switch { ' ' => words.IndexOf("<sp>"), 'Q' => NGramLanguageModel.UnknownWordId, _ => words.IndexOf(c.ToString()) };
        int[] Sentence(string t) => [Word('\u0002'), .. t.Select(Word), Word('\u0003')];
        Assert.Equal(ngram.Model.ScoreSentence(Sentence("abQ")).LogLikelihood, scores[0].LogLikelihood, 1e-9);
        Assert.Equal(ngram.Model.ScoreSentence(Sentence("ab c")).LogLikelihood, scores[1].LogLikelihood, 1e-9);
        Assert.All(ngram.Generate("ab c", maxNewTokens: 6, temperature: 0), c => Assert.Contains(c, Used));

        var stream = new MemoryStream();
        ml.Model.SaveArml(chain, Rows(ml, Train).Schema, stream);
        stream.Position = 0;
        Assert.Equal(scores, TinyGpt.Scores(ml.Model.LoadArml(stream, out _).Transform(Rows(ml, "abQ", "ab c"))));
    }

    [Fact]
    public void MapValueToKeyColumnsScoreWordsTheTrainingNeverSaw()
    {
        var ml = new MLContext(seed: 1);
        var keys = ml.Transforms.Text.TokenizeIntoWords("Words", "Text").Append(ml.Transforms.Conversion.MapValueToKey("Tokens", "Words"));
        var fitted = keys.Fit(Rows(ml, "the cat sat", "the dog sat"));
        var train = fitted.Transform(Rows(ml, "the cat sat", "the dog sat", "the cat"));
        // "emu" and "owl" were never mapped (key 0); "dog" has a key but the language model trains without it.
        var probe = fitted.Transform(Rows(ml, "the emu sat", "the owl sat", "the cat sat"));
        using var gpt = ml.LanguageModeling().Trainers.Gpt(TinyGpt.Options(iterations: 3)).Fit(train);
        var gptScores = TinyGpt.Scores(gpt.Transform(probe));
        Assert.Equal(gptScores[0].LogLikelihood, gptScores[1].LogLikelihood, 1e-9);
        Assert.All(gptScores, s => Assert.True(double.IsFinite(s.LogLikelihood) && s.LogLikelihood < 0));

        var ngram = ml.LanguageModeling().Trainers.NGram(new NGramTrainer.Options { Order = 2 }).Fit(train);
        var ngramScores = TinyGpt.Scores(ngram.Transform(probe));
        Assert.Equal(ngramScores[0].LogLikelihood, ngramScores[1].LogLikelihood, 1e-12);
        int the = ngram.Model.Words.ToList().IndexOf("the"), sat = ngram.Model.Words.ToList().IndexOf("sat");
        Assert.Equal(ngram.Model.ScoreSentence([the, NGramLanguageModel.UnknownWordId, sat]).LogLikelihood, ngramScores[0].LogLikelihood, 1e-9);
    }

    [Fact]
    public void UnseenKeysThrowNamingColumnRowAndKeyWhenAsked()
    {
        var ml = new MLContext(seed: 1);
        var fitted = ml.Transforms.Text.TokenizeIntoWords("Words", "Text").Append(ml.Transforms.Conversion.MapValueToKey("Tokens", "Words"))
            .Fit(Rows(ml, "the cat sat", "the dog sat"));
        var train = fitted.Transform(Rows(ml, "the cat sat"));
        var probe = fitted.Transform(Rows(ml, "the cat", "the dog sat"));   // row 1 holds "dog": key 4, never in the training rows
        var options = TinyGpt.Options(iterations: 2);
        options.UnseenKeys = UnseenKeyPolicy.Throw;
        using var gpt = ml.LanguageModeling().Trainers.Gpt(options).Fit(train);
        var error = Assert.Throws<InvalidDataException>(() => TinyGpt.Scores(gpt.Transform(probe)));
        Assert.Contains("Row 1 of column 'Tokens'", error.Message);
        Assert.Contains("key 4", error.Message);

        var ngram = ml.LanguageModeling().Trainers.NGram(new NGramTrainer.Options { Order = 2, UnseenKeys = UnseenKeyPolicy.Throw }).Fit(train);
        error = Assert.Throws<InvalidDataException>(() => TinyGpt.Scores(ngram.Transform(probe)));
        Assert.Contains("Row 1 of column 'Tokens'", error.Message);
        var stream = new MemoryStream();
        ml.Model.SaveArml(ngram, train.Schema, stream);   // the policy is kept with the model
        stream.Position = 0;
        Assert.Throws<InvalidDataException>(() => TinyGpt.Scores(ml.Model.LoadArml(stream, out _).Transform(probe)));
    }
}
