using ArML.Onnx;
using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Onnx;

/// <summary>What the exporter does not write, it refuses by name, before touching the target.</summary>
public sealed class OnnxExportRefusalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arml-onnx-refuse-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void AssertRefusedAndUntouched(Action<string> export, string named)
    {
        // An existing file at the target survives a refused export unchanged, with no temporary file beside it.
        string path = Path.Combine(_dir, "model.onnx");
        File.WriteAllText(path, "old");
        var error = Assert.Throws<NotSupportedException>(() => export(path));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void RotaryPositionsAreRefusedByName()
    {
        using var model = new LanguageModelTransformer(RandomGpt.Create(positions: PositionEncoding.Rotary), new LanguageModelColumns("Tokens"), null, 8, 8);
        AssertRefusedAndUntouched(p => model.ExportOnnx(p), "Rotary");
        AssertRefusedAndUntouched(p => model.ExportOnnx(p, new OnnxExportOptions { Kind = OnnxGraphKind.Decoder }), "Rotary");
        AssertRefusedAndUntouched(p => new MLContext().LanguageModeling().ToOnnxScorer(model, p), "Rotary");
    }

    [Fact]
    public void ConditionalModelsAreRefusedByName()
    {
        using var model = new LanguageModelTransformer(RandomGpt.Create(conditions: 2), new LanguageModelColumns("Tokens", "Class"), null, 8, 8);
        AssertRefusedAndUntouched(p => model.ExportOnnx(p), "condition");
    }

    [Fact]
    public void OtherFamiliesAreRefusedByName()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { "ab ba", "abba", "cab" }.Select(t => new TextRow { Text = t }));
        var tokens = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(data).Transform(data);
        using var lstm = ml.LanguageModeling().Trainers.Lstm(TinyLstm.Options(iterations: 1)).Fit(tokens);
        // LSTM/GRU export their scoring graph only (OnnxRecurrentScoringTests): the decoder, float16 and the ML.NET key scorer are refused.
        AssertRefusedAndUntouched(p => lstm.ExportOnnx(p, new OnnxExportOptions { Kind = OnnxGraphKind.Decoder }), "scoring graph only");
        AssertRefusedAndUntouched(p => lstm.ExportOnnx(p, new OnnxExportOptions { Precision = OnnxPrecision.Float16 }), "float32");
        AssertRefusedAndUntouched(p => ml.LanguageModeling().ToOnnxScorer(lstm, p), "LstmLanguageModel");
        var ngram = ml.LanguageModeling().Trainers.NGram("Tokens", order: 2).Fit(tokens);
        AssertRefusedAndUntouched(p => ngram.ExportOnnx(p), "ARPA");
    }
}
