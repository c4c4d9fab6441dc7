using ArML.Onnx;
using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;

namespace ArML.Tests.Onnx;

/// <summary>The exported scoring graph, run by ONNX Runtime, against the TorchSharp model it came from.</summary>
public sealed class OnnxScoringGraphTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arml-onnx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(1, true)]
    [InlineData(5, false)]
    [InlineData(16, true)]
    public void LogitsAndLogLikelihoodsEqualTorchSharps(int batch, bool bias)
    {
        var lm = RandomGpt.Create(tokens: 12, context: 12, seed: batch, layers: 2, heads: 2, width: 16, scale: bias ? 4 : 3);
        if (!bias) lm = WithoutBias(lm);
        using var model = new LanguageModelTransformer(lm, new LanguageModelColumns("Tokens"), null, 8, 12);
        string path = Path.Combine(_dir, "scoring.onnx");
        model.ExportOnnx(path);

        var random = new Random(batch);
        var rows = Enumerable.Range(0, batch).Select(r => Enumerable.Range(0, random.Next(0, 11)).Select(_ => random.Next(12)).ToArray()).ToList();
        var framed = rows.Select(r => Frame(lm.Vocabulary, r)).ToList();
        bool leftPad = batch % 2 == 0;
        var run = OnnxScoring.Run(path, framed, lm.Vocabulary.Separator, leftPad);

        var expectedLl = new double[batch];
        var counts = new int[batch];
        var perToken = new double[batch][];
        lm.ScoreFramed(framed, framed.Select(f => f.Length).ToList(), framed.Select(_ => 1).ToList(), 12, expectedLl, counts, perToken);
        for (int r = 0; r < batch; r++)
        {
            Assert.Equal(counts[r], run.TokenCounts[r]);
            double tolerance = Math.Max(1e-4, Float32Rounding.RowScore(counts[r], expectedLl[r], 4 * 16, lm.Vocabulary.Size));
            Assert.Equal(expectedLl[r], run.LogLikelihoods[r], tolerance);
            Assert.Equal(Math.Exp(-expectedLl[r] / counts[r]), run.Perplexities[r], Math.Exp(-expectedLl[r] / counts[r]) * 1e-4);
            for (int j = 0; j < counts[r]; j++) Assert.Equal(perToken[r][j], run.TokenLogProbabilities[r][j], 1e-4);
            var logits = RandomGpt.AllLogits(lm, framed[r][..^1]);
            for (int j = 0; j < logits.Length; j++)
                Assert.True(Math.Abs(logits[j] - run.Logits[r][j]) <= 1e-4 * Math.Max(1, Math.Abs(logits[j])),
                    $"row {r} logit {j}: TorchSharp {logits[j]}, ONNX Runtime {run.Logits[r][j]}");
        }
    }

    [Fact]
    public void Float16GraphRunsAndStaysNearFloat32()
    {
        var lm = RandomGpt.Create(tokens: 12, context: 12, seed: 4, scale: 2);
        using var model = new LanguageModelTransformer(lm, new LanguageModelColumns("Tokens"), null, 8, 12);
        string path = Path.Combine(_dir, "half.onnx");
        model.ExportOnnx(path, new OnnxExportOptions { Precision = OnnxPrecision.Float16 });
        var framed = new List<int[]> { Frame(lm.Vocabulary, [1, 2, 3, 4]), Frame(lm.Vocabulary, [5, 6]) };
        var run = OnnxScoring.Run(path, framed, lm.Vocabulary.Separator);
        var expected = new double[2];
        var counts = new int[2];
        lm.ScoreFramed(framed, framed.Select(f => f.Length).ToList(), [1, 1], 12, expected, counts);
        // float16 keeps 11 significant bits (unit roundoff 2⁻¹¹): a relative error of a few 2⁻¹¹ per term.
        for (int r = 0; r < 2; r++) Assert.Equal(expected[r], run.LogLikelihoods[r], Math.Abs(expected[r]) * 64.0 / 2048);
    }

    private static int[] Frame(TokenIdLayout ids, int[] tokens)
    {
        var buffer = new List<int>();
        ids.Frame([], tokens, buffer);
        return buffer.ToArray();
    }

    private static GptLanguageModel WithoutBias(GptLanguageModel biased)
    {
        var c = biased.Model.Config with { Bias = false };
        var model = new GptModel(c, seed: 3);
        return new GptLanguageModel(model, biased.Vocabulary, TorchSharp.torch.CPU);
    }
}
