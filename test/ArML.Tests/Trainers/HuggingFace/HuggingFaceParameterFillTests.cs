using ArML.Persistence;
using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Trainers.HuggingFace;

/// <summary>
/// Loading builds the network without random initialisation (its weights are about to be read), so every parameter
/// must come from the file: each is compared, element by element, with the values the test wrote.
/// </summary>
public class HuggingFaceParameterFillTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "arml-hf-fill-" + Guid.NewGuid().ToString("N"));
    private readonly MLContext _ml = new(seed: 1);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void EveryParameterOfLoadHuggingFaceAndOfLoadArmlHoldsTheCheckpointsValues()
    {
        var checkpoint = new RandomGpt2Checkpoint { Tied = false, Inner = 20 };
        string directory = checkpoint.Write(Path.Combine(_root, "hf"));
        const int context = 16;   // fewer positions than the checkpoint's 24: wpe keeps its first rows
        using var imported = _ml.LanguageModeling().LoadHuggingFace(directory, new HuggingFaceOptions { MaximumContextLength = context });
        AssertHoldsCheckpoint(Network(imported), checkpoint, context);

        string file = Path.Combine(_root, "model.zip");
        _ml.Model.SaveArml(imported, _ml.Data.LoadFromEnumerable(new[] { new HuggingFaceImportTests.TextRow() }).Schema, file);
        var loaded = _ml.Model.LoadArml(file, out _);
        try { AssertHoldsCheckpoint(Network(loaded), checkpoint, context); }
        finally { (loaded as IDisposable)?.Dispose(); }
    }

    private static GptModel Network(ITransformer chain) =>
        ((GptLanguageModel)ModelFlattening.Flatten(chain).OfType<LanguageModelTransformer>().Single().Model).Model;

    private static void AssertHoldsCheckpoint(GptModel model, RandomGpt2Checkpoint checkpoint, int context)
    {
        Assert.Empty(model.named_buffers());
        var parameters = model.named_parameters().ToList();
        Assert.Equal(checkpoint.Values.Keys.Order(StringComparer.Ordinal), parameters.Select(p => p.name).Order(StringComparer.Ordinal));
        foreach (var (name, parameter) in parameters)
        {
            var actual = parameter.detach().cpu().data<float>().ToArray();
            var expected = Expected(name, checkpoint.Values[name], parameter.shape, context);
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < actual.Length; i++)
                Assert.True(expected[i] == actual[i], $"{name}[{i}]: {actual[i]}, written {expected[i]}");
        }
    }

    // The written values in ArML's layout: Conv1D weights ([in, out]) transposed, the end-of-text row of wte and
    // lm_head moved last (ArML's separator id), wpe cut to the context.
    private static float[] Expected(string name, double[] written, long[] shape, int context)
    {
        if (shape.Length == 1) return written.Select(v => (float)v).ToArray();
        long rows = shape[0], columns = shape[1];
        var result = new float[rows * columns];
        bool conv1D = name.Contains("c_attn.weight") || name.Contains("c_proj.weight") || name.Contains("c_fc.weight");
        for (long r = 0; r < rows; r++)
        {
            long source = name is "wte.weight" or "lm_head.weight"
                ? r < RandomGpt2Checkpoint.EndOfText ? r : r == rows - 1 ? RandomGpt2Checkpoint.EndOfText : r + 1
                : r;
            for (long c = 0; c < columns; c++)
                result[r * columns + c] = (float)(conv1D ? written[c * rows + r] : written[source * columns + c]);
        }
        Assert.True(name != "wpe.weight" || rows == context);
        return result;
    }
}
