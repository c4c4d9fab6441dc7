using ArML.Onnx;
using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Lstm;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Onnx;

/// <summary>
/// LSTM and GRU scoring graphs (ONNX's LSTM/GRU operators, gates reordered from libtorch's), run by ONNX Runtime on
/// ragged batches padded on the right, against the TorchSharp model's own row scores.
/// </summary>
public sealed class OnnxRecurrentScoringTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arml-onnx-rnn-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(RecurrentCell.Lstm, false, 1)]
    [InlineData(RecurrentCell.Lstm, true, 7)]
    [InlineData(RecurrentCell.Gru, false, 16)]
    [InlineData(RecurrentCell.Gru, true, 5)]
    public void LogLikelihoodsEqualTorchSharps(RecurrentCell cell, bool untied, int batch)
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { "the cat sat", "a dog ran far", "the mat", "cats and dogs" }.Select(t => new TextRow { Text = t }));
        var tokens = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(data).Transform(data);
        var options = TinyLstm.Options(iterations: 5, cell);
        options.HiddenSize = 16;
        options.EmbeddingSize = untied ? 8 : null;
        using var model = ml.LanguageModeling().Trainers.Lstm(options).Fit(tokens);
        var lm = (LstmLanguageModel)model.Model;
        string path = Path.Combine(_dir, "rnn.onnx");
        model.ExportOnnx(path);

        // Rows longer than the training sequence length too: the graph, like ArML, reads each row whole.
        var random = new Random(batch);
        int tokenCount = lm.Vocabulary.Separator;
        var framed = Enumerable.Range(0, batch).Select(_ =>
        {
            var row = Enumerable.Range(0, random.Next(0, 50)).Select(_ => random.Next(tokenCount)).ToArray();
            var buffer = new List<int>();
            lm.Vocabulary.Frame([], row, buffer);
            return buffer.ToArray();
        }).ToList();
        var run = OnnxScoring.Run(path, framed, lm.Vocabulary.Separator);

        var expected = new double[batch];
        var counts = new int[batch];
        var perToken = new double[batch][];
        lm.ScoreFramed(framed, framed.Select(f => f.Length).ToList(), framed.Select(_ => 1).ToList(), 1, expected, counts, perToken);
        for (int r = 0; r < batch; r++)
        {
            Assert.Equal(counts[r], run.TokenCounts[r]);
            double tolerance = Math.Max(1e-4, Float32Rounding.RowScore(counts[r], expected[r], 4 * options.HiddenSize, lm.Model.Config.VocabularySize));
            Assert.Equal(expected[r], run.LogLikelihoods[r], tolerance);
            for (int j = 0; j < counts[r]; j++) Assert.Equal(perToken[r][j], run.TokenLogProbabilities[r][j], 1e-4);
        }
    }
}
