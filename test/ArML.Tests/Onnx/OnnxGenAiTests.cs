using ArML.Onnx;
using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Generation;
using Microsoft.ML.OnnxRuntimeGenAI;
using Xunit;

namespace ArML.Tests.Onnx;

/// <summary>The exported decoder folder, loaded and run by ONNX Runtime GenAI 0.20.</summary>
public sealed class OnnxGenAiTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arml-genai-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void GreedyOutputEqualsArmls(int seed)
    {
        var lm = RandomGpt.Create(tokens: 12, context: 24, seed: seed, layers: 2, heads: 2, width: 16, scale: 6);
        using var model = new LanguageModelTransformer(lm, new LanguageModelColumns("Tokens"), null, 8, 24);
        model.ExportOnnx(_dir, new OnnxExportOptions { Kind = OnnxGraphKind.Decoder });

        var random = new Random(seed);
        var prompt = Enumerable.Range(0, 1 + random.Next(4)).Select(_ => random.Next(12)).ToArray();
        var expected = new TokenGenerator(lm).Generate(prompt, new GenerationOptions { MaxNewTokens = 24 - prompt.Length - 1, Temperature = 0 })
            .Single().TokenIds.ToArray();

        using var genai = new Model(_dir);
        using var parameters = new GeneratorParams(genai);
        using var generator = new Generator(genai, parameters);
        generator.AppendTokens([lm.Vocabulary.Separator, .. prompt]);
        while (!generator.IsDone()) generator.GenerateNextToken();
        var sequence = generator.GetSequence(0).ToArray();
        var generated = sequence.Skip(prompt.Length + 1).TakeWhile(id => id != lm.Vocabulary.Separator).ToArray();
        Assert.True(expected.Length > 0, "the test needs a continuation to compare");
        Assert.Equal(expected, generated);
    }
}
