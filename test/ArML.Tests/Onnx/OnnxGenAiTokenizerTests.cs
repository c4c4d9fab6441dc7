using ArML.Onnx;
using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Generation;
using ArML.Trainers.Gpt;
using ArML.Transforms.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntimeGenAI;
using Xunit;

namespace ArML.Tests.Onnx;

/// <summary>
/// The decoder folder's tokenizer.json, read by ONNX Runtime GenAI 0.20's own tokenizer: it encodes text to the ids
/// ArML's tokenizer gives (mapped to the model's), and GenAI generating from text gives ArML's greedy text.
/// </summary>
public sealed class OnnxGenAiTokenizerTests : IDisposable
{
    private static readonly string[] Prompts = ["hello world", "the cat sat", "¥ 42 é", "the mat"];
    private readonly string _dir = Directory.CreateTempSubdirectory("arml-genai-tok-").FullName;
    private readonly MLContext _ml = new(seed: 1);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void FineTunedCheckpointEncodesAndGeneratesAsArml()
    {
        // Byte tokens with end-of-text at id 100: the ids above it are the model's ids plus one, so the map matters.
        // Fine-tuned briefly on ASCII text, so that greedy continuations are text and the texts can be compared.
        string hf = new RandomGpt2Checkpoint { Seed = 3, Positions = 32 }.Write(Path.Combine(_dir, "hf"));
        using var imported = _ml.LanguageModeling().LoadHuggingFace(hf);
        var tokenizer = imported.First();
        var rows = _ml.Data.LoadFromEnumerable(Enumerable.Range(0, 40).Select(i => new TextRow { Text = $"the cat sat on the mat {i % 7}" }));
        var trainer = _ml.LanguageModeling().Trainers.Gpt(new GptTrainer.Options
        {
            ContextLength = 32, MaxIterations = 40, BatchSize = 8, LearningRate = 3e-3, WarmupIterations = 5, Seed = 1,
        });
        using var tuned = trainer.Fit(tokenizer.Transform(rows), (LanguageModelTransformer)imported.LastTransformer);
        AssertGenAiEqualsArml(new TransformerChain<ITransformer>(tokenizer, tuned), newTokens: 12, requireText: true);
    }

    [SkippableFact]
    public void TinyRandomGpt2EncodesAndGeneratesAsArml()
    {
        // GPT-2's real tokenizer (50,000 merges) over a 1,000-id model whose end-of-text is the byte '¥' (id 98).
        string hf = SharedData.PathOrSkip("models/tiny-random-gpt2");
        using var chain = _ml.LanguageModeling().LoadHuggingFace(hf, new HuggingFaceOptions { IgnoreAddedTokens = true, MaximumContextLength = 64 });
        AssertGenAiEqualsArml(chain, newTokens: 16, requireText: false, prompts: ["a b c", "ab", "   "]);
    }

    [Fact]
    public void CharacterModelsGetTheGraphWithoutTokenizerOrARefusalByName()
    {
        var lm = RandomGpt.Create(tokens: 12, context: 16, seed: 1, layers: 1, heads: 2, width: 8);
        using var model = new LanguageModelTransformer(lm, new LanguageModelColumns("Tokens"), null, 8, 16);
        string folder = Path.Combine(_dir, "chars");
        var error = Assert.Throws<NotSupportedException>(() =>
            model.ExportOnnx(folder, new OnnxExportOptions { Kind = OnnxGraphKind.Decoder, RequireTokenizer = true }));
        Assert.Contains("byte-level BPE", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));

        model.ExportOnnx(folder, new OnnxExportOptions { Kind = OnnxGraphKind.Decoder });
        Assert.Equal(["genai_config.json", "model.onnx"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private void AssertGenAiEqualsArml(TransformerChain<ITransformer> chain, int newTokens, bool requireText, string[]? prompts = null)
    {
        var model = (LanguageModelTransformer)chain.LastTransformer;
        var vocabulary = (BpeVocabulary)((TokenizerTransformer)chain.First()).Vocabulary;
        string folder = Path.Combine(_dir, "genai");
        model.ExportOnnx(folder, new OnnxExportOptions { Kind = OnnxGraphKind.Decoder, RequireTokenizer = true });
        int separator = model.KeyMap.ToModelId(model.KeyMap.SeparatorColumnId);
        var text = _ml.LanguageModeling().CreateTextGenerator(chain);

        using var genai = new Model(folder);
        using var tokenizer = new Tokenizer(genai);
        int texts = 0;
        foreach (string prompt in prompts ?? Prompts)
        {
            var expectedIds = vocabulary.Encode(prompt).Select(model.KeyMap.ToModelId).ToArray();
            using var encoded = tokenizer.Encode(prompt);
            Assert.Equal(expectedIds, encoded[0].ToArray());

            string expected = text.Generate(prompt, new GenerationOptions { MaxNewTokens = newTokens, Temperature = 0 });
            using var parameters = new GeneratorParams(genai);
            using var generator = new Generator(genai, parameters);
            generator.AppendTokens([separator, .. expectedIds]);
            for (int i = 0; i < newTokens && !generator.IsDone(); i++) generator.GenerateNextToken();
            var generated = generator.GetSequence(0).ToArray().Skip(expectedIds.Length + 1).TakeWhile(id => id != separator).ToArray();
            var armlIds = new TokenGenerator((IStepDecodingModel)model.Model).Generate(expectedIds, new GenerationOptions { MaxNewTokens = newTokens, Temperature = 0 })
                .Single().TokenIds.ToArray();
            Assert.Equal(armlIds, generated);
            // Random weights may continue with bytes that are not UTF-8, which each side renders lossily in its own way
            // (GenAI: one U+FFFD for the run): the texts are compared where the bytes are text.
            if (!expected.Contains('\uFFFD', StringComparison.Ordinal))
            {
                Assert.Equal(expected, tokenizer.Decode(generated));
                texts++;
            }
            Assert.True(generated.Length > 0, $"'{prompt}': the test needs a continuation to compare");
        }
        Assert.True(texts > 0 || !requireText, "no prompt's continuation was text: the test compares none");
    }
}
