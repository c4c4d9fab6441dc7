using ArML.Onnx;
using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using ArML.Transforms.Text;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Onnx;

/// <summary>
/// The text scorer: ML.NET's ApplyOnnxModel over a graph that tokenizes the text column with ONNX Runtime Extensions'
/// GPT2Tokenizer gives the chain tokenizer → GPT transformer's columns, row by row (ML.NET feeds one string at a time,
/// so rows of any length), and survives plain Model.Save / Load in a context that registers the operators.
/// </summary>
public sealed class OnnxTextScorerTests : IDisposable
{
    // Within one window of the checkpoint's 24 positions (a row of n bytes frames to n + 2 ids).
    private static readonly string[] Texts = ["hello world", "", "  two  spaces ", "naïve ¥ 42", "🙂 ok", "it's\tfine\n", "x"];
    private readonly string _dir = Directory.CreateTempSubdirectory("arml-onnx-text-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static IDataView Rows(MLContext ml, IEnumerable<string> texts) => ml.Data.LoadFromEnumerable(texts.Select(t => new TextRow { Text = t }));

    [Fact]
    public void ImportedCheckpointScoresTextAsArmlAndSurvivesSaveAndLoad()
    {
        var ml = new MLContext(seed: 1);
        ml.UseOnnxRuntimeExtensions();
        string hf = new RandomGpt2Checkpoint { Seed = 3 }.Write(Path.Combine(_dir, "hf"));
        using var chain = ml.LanguageModeling().LoadHuggingFace(hf, new HuggingFaceOptions { TokenLogProbabilities = true });
        var tokenizer = (TokenizerTransformer)chain.First();
        var model = (LanguageModelTransformer)chain.LastTransformer;
        string onnx = Path.Combine(_dir, "text.onnx");
        var rows = Rows(ml, Texts);
        var scorer = ml.LanguageModeling().ToOnnxScorer(tokenizer, model, onnx).Fit(rows);
        var actual = OnnxScorerChainTests.AssertScoresEqual(chain.Transform(rows), scorer.Transform(rows), (GptLanguageModel)model.Model);

        // Plain ML.NET persistence: the graph travels inside the zip; the loading context registers the operators.
        string zip = Path.Combine(_dir, "text-scorer.zip");
        ml.Model.Save(scorer, rows.Schema, zip);
        File.Delete(onnx);
        var fresh = new MLContext(seed: 2);
        fresh.UseOnnxRuntimeExtensions();
        var reloaded = OnnxScorerChainTests.Read(fresh.Model.Load(zip, out _).Transform(Rows(fresh, Texts)), scalars: false);
        for (int r = 0; r < actual.Count; r++)
        {
            Assert.Equal(actual[r].Ll, reloaded[r].Ll);
            Assert.Equal(actual[r].Count, reloaded[r].Count);
            Assert.Equal(actual[r].Tokens, reloaded[r].Tokens);
        }

        // A context that does not register them fails to load, and the innermost error names the operator.
        var error = Assert.ThrowsAny<Exception>(() => new MLContext(seed: 3).Model.Load(zip, out _));
        Assert.Contains("GPT2Tokenizer", Innermost(error).Message, StringComparison.Ordinal);

        // The operator's special string (ArML encodes it as text): the row fails, naming the lookup, instead of scoring differently.
        var special = Assert.ThrowsAny<Exception>(() => OnnxScorerChainTests.Read(scorer.Transform(Rows(ml, ["a<|endoftext|>b"])), scalars: false));
        Assert.True(Innermost(special).Message.Contains(GptKeyScoringGraph.ModelIdCheck, StringComparison.Ordinal), Innermost(special).Message);
    }

    [Fact]
    public void TrainedTokenizerAndModelScoreTextAsArml()
    {
        // ArML's own byte-level BPE and a GPT trained on its compact vocabulary (seen keys plus the unknown id):
        // "zebra" holds tokens unseen in training, which both map to the unknown id.
        var ml = new MLContext(seed: 1);
        ml.UseOnnxRuntimeExtensions();
        var train = Rows(ml, Enumerable.Range(0, 30).Select(i => $"the cat sat on the mat {i % 5}"));
        var tokenizer = ml.Transforms.Text.TrainTokenizer("Tokens", "Text", new TokenizerTrainerOptions { VocabularySize = 300 }).Fit(train);
        var options = TinyGpt.Options(iterations: 10);
        options.TokenLogProbabilities = true;
        using var model = ml.LanguageModeling().Trainers.Gpt(options).Fit(tokenizer.Transform(train));
        var rows = Rows(ml, ["the cat", "", "a zebra", "mat 3 sat"]);
        var scorer = ml.LanguageModeling().ToOnnxScorer(tokenizer, model, Path.Combine(_dir, "trained.onnx")).Fit(rows);
        OnnxScorerChainTests.AssertScoresEqual(model.Transform(tokenizer.Transform(rows)), scorer.Transform(rows), (GptLanguageModel)model.Model);

        // This vocabulary has no <|endoftext|> entry (the operator then adds one): the row still fails at the named check.
        var special = Assert.ThrowsAny<Exception>(() => OnnxScorerChainTests.Read(scorer.Transform(Rows(ml, ["the <|endoftext|> cat"])), scalars: false));
        Assert.True(Innermost(special).Message.Contains(GptKeyScoringGraph.ModelIdCheck, StringComparison.Ordinal), Innermost(special).Message);
    }

    [Fact]
    public void RefusesWhatTheGraphCannotReproduceByName()
    {
        var ml = new MLContext(seed: 1);
        string hf = new RandomGpt2Checkpoint().Write(Path.Combine(_dir, "hf"));
        using var chain = ml.LanguageModeling().LoadHuggingFace(hf);
        var tokenizer = (TokenizerTransformer)chain.First();
        var model = (LanguageModelTransformer)chain.LastTransformer;
        string path = Path.Combine(_dir, "refused.onnx");

        var noSessions = Assert.Throws<InvalidOperationException>(() => ml.LanguageModeling().ToOnnxScorer(tokenizer, model, path));
        Assert.Contains("UseOnnxRuntimeExtensions", noSessions.Message, StringComparison.Ordinal);
        ml.UseOnnxRuntimeExtensions();

        var truncating = new TokenizerTransformer("Tokens", "Text", (BpeVocabulary)tokenizer.Vocabulary, new TokenizeOptions { MaximumTokenCount = 8 });
        var option = Assert.Throws<NotSupportedException>(() => ml.LanguageModeling().ToOnnxScorer(truncating, model, path));
        Assert.Contains("MaximumTokenCount", option.Message, StringComparison.Ordinal);

        var characters = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(Rows(ml, ["abc"]));
        var kind = Assert.Throws<NotSupportedException>(() => ml.LanguageModeling().ToOnnxScorer(characters, model, path));
        Assert.Contains("byte-level BPE", kind.Message, StringComparison.Ordinal);

        var otherColumn = new TokenizerTransformer("Other", "Text", (BpeVocabulary)tokenizer.Vocabulary, new TokenizeOptions());
        Assert.Throws<ArgumentException>(() => ml.LanguageModeling().ToOnnxScorer(otherColumn, model, path));
        Assert.False(File.Exists(path));
    }

    private static Exception Innermost(Exception error)
    {
        while (error.InnerException != null) error = error.InnerException;
        return error;
    }
}
