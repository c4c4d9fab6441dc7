using System.Text.Json;
using ArML.Persistence;
using ArML.Tests.Support;
using ArML.Trainers;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Trainers;

/// <summary>
/// Model files of layout version 1 (before compact vocabularies), written by tools/legacy-model-fixtures on the version
/// that wrote them, load and score as they did: keys are read one to one, with no unknown token.
/// </summary>
public class LegacyModelFileTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "LegacyModels");

    private sealed record Recorded(string[] Rows, Dictionary<string, double[]> Scores);

    [Theory]
    [InlineData("gpt", 1e-4)]     // float32 forward passes, possibly on another CPU kernel than the one that recorded them
    // The LSTM's scores were recorded by the version that wrote the file with oneDNN limited to AVX2
    // (ONEDNN_MAX_CPU_ISA=AVX2): on AVX-512 that version's oneDNN LSTM kernel computes width 8 wrongly (by ~1e-2 here),
    // which is why ArML now reads packed sequences on the CPU (LstmModel).
    [InlineData("lstm", 1e-4)]
    [InlineData("ngram", 1e-9)]   // table look-ups in float64
    public void VersionOneFilesScoreAsWhenTheyWereSaved(string family, double tolerance)
    {
        var recorded = JsonSerializer.Deserialize<Recorded>(File.ReadAllText(Path.Combine(Folder, "scores.json")))!;
        var ml = new MLContext(seed: 1);
        var model = ml.Model.LoadArml(Path.Combine(Folder, $"v1-{family}.zip"), out _);
        try
        {
            var scores = TinyGpt.Scores(model.Transform(ml.Data.LoadFromEnumerable(recorded.Rows.Select(t => new TextRow { Text = t }))));
            Assert.Equal(recorded.Scores[family].Length, scores.Count);
            for (int i = 0; i < scores.Count; i++) Assert.Equal(recorded.Scores[family][i], scores[i].LogLikelihood, tolerance);
            if (model is TransformerChain<ITransformer> chain && chain.LastTransformer is LanguageModelTransformer lm)
                Assert.True(lm.KeyMap.IsIdentity);
        }
        finally
        {
            ((model as TransformerChain<ITransformer>)?.LastTransformer as IDisposable)?.Dispose();
        }
    }
}
