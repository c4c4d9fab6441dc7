using System.Text.Json;
using ArML.Onnx;
using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;

namespace ArML.Tests.Onnx;

/// <summary>
/// Hugging Face's tiny-random-gpt2, imported and exported by ArML, against the ONNX graph its weights came from
/// (../shared/models/tiny-random-gpt2/onnx/past.onnx, GenAI's "gpt2" convention), both run by ONNX Runtime on the
/// reference sequences. ArML's ids differ from Hugging Face's (end-of-text is ArML's separator), so logits are
/// compared at the Hugging Face id level through the model's key map.
/// </summary>
public sealed class OnnxTinyRandomGpt2Tests : IDisposable
{
    private const string Fixture = "models/tiny-random-gpt2";
    private const int HuggingFaceVocabulary = 1000;
    private readonly string _dir = Directory.CreateTempSubdirectory("arml-onnx-hf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [SkippableFact]
    public void ExportedDecoderAndScoringGraphsReproduceTheOriginalOnnxLogits()
    {
        string directory = SharedData.PathOrSkip(Fixture);
        var chain = new MLContext(seed: 1).LanguageModeling().LoadHuggingFace(directory, new HuggingFaceOptions { IgnoreAddedTokens = true });
        var model = (LanguageModelTransformer)chain.LastTransformer;
        var config = ((GptLanguageModel)model.Model).Model.Config;
        string decoderDir = Path.Combine(_dir, "decoder"), scoringPath = Path.Combine(_dir, "scoring.onnx");
        model.ExportOnnx(decoderDir, new OnnxExportOptions { Kind = OnnxGraphKind.Decoder });
        model.ExportOnnx(scoringPath);

        using var original = new InferenceSession(Path.Combine(directory, "onnx", "past.onnx"));
        using var decoder = new InferenceSession(Path.Combine(decoderDir, "model.onnx"));
        using var reference = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, "reference", "reference.json")));
        var sequences = reference.RootElement.GetProperty("sequences").EnumerateArray()
            .Select(s => s.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).Take(64).ToArray()).ToList();
        var modelRows = sequences.Select(ids => ids.Select(model.KeyMap.ToModelId).ToArray()).ToList();
        var scored = OnnxScoring.Run(scoringPath, modelRows, modelRows[0][0]);
        int width = config.EmbeddingSize / config.HeadCount;
        for (int s = 0; s < sequences.Count; s++)
        {
            var hf = sequences[s];
            // The whole row at once, then its last id again from the cache of the others (the GenAI decoding path).
            var expected = Step(original, hf[..^1], 0, null, config, width);
            var actual = Step(decoder, modelRows[s][..^1], 0, null, config, width);
            Compare(model, expected.Logits, actual.Logits, hf.Length - 1, $"sequence {s}, decoder");
            Compare(model, expected.Logits, scored.Logits[s], hf.Length - 1, $"sequence {s}, scoring");
            var expectedNext = Step(original, hf[^1..], hf.Length - 1, expected.Presents, config, width);
            var actualNext = Step(decoder, modelRows[s][^1..], hf.Length - 1, actual.Presents, config, width);
            Compare(model, expectedNext.Logits, actualNext.Logits, 1, $"sequence {s}, cached step");
        }
    }

    // Hugging Face id v of each position against ArML's row for the same token (the model ids of the key map).
    private static void Compare(LanguageModelTransformer model, float[] hfLogits, float[] armlLogits, int positions, string what)
    {
        int armlVocabulary = armlLogits.Length / positions;
        Assert.Equal(positions * HuggingFaceVocabulary, hfLogits.Length);
        for (int t = 0; t < positions; t++)
            for (int v = 0; v < HuggingFaceVocabulary; v++)
            {
                float e = hfLogits[t * HuggingFaceVocabulary + v], a = armlLogits[t * armlVocabulary + model.KeyMap.ToModelId(v)];
                Assert.True(Math.Abs(e - a) <= 1e-4, $"{what}, position {t}, id {v}: original {e}, ArML's export {a}");
            }
    }

    private sealed record StepResult(float[] Logits, DenseTensor<float>[] Presents);

    // One run of a "gpt2"-convention decoder (batch 1): ids at positions start.., after the cached past (empty when null).
    private static StepResult Step(InferenceSession session, int[] ids, int start, DenseTensor<float>[]? past, GptConfig config, int headSize)
    {
        int total = start + ids.Length;
        var inputs = new List<NamedOnnxValue>();
        foreach (var (name, meta) in session.InputMetadata)
        {
            if (name.StartsWith("past_", StringComparison.Ordinal))
            {
                int layer = int.Parse(name["past_".Length..], System.Globalization.CultureInfo.InvariantCulture);
                inputs.Add(NamedOnnxValue.CreateFromTensor(name, past?[layer] ?? new DenseTensor<float>([2, 1, config.HeadCount, 0, headSize])));
                continue;
            }
            long[] values = name switch
            {
                "input_ids" => ids.Select(i => (long)i).ToArray(),
                "position_ids" => Enumerable.Range(start, ids.Length).Select(i => (long)i).ToArray(),
                "attention_mask" => Enumerable.Repeat(1L, total).ToArray(),
                _ => throw new InvalidOperationException($"unexpected input {name}"),
            };
            int[] dims = [1, values.Length];
            inputs.Add(meta.ElementDataType switch
            {
                TensorElementType.Int64 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(values, dims)),
                TensorElementType.Int32 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<int>(values.Select(v => (int)v).ToArray(), dims)),
                TensorElementType.Float => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(values.Select(v => (float)v).ToArray(), dims)),
                _ => throw new InvalidOperationException($"input {name} of type {meta.ElementDataType}"),
            });
        }
        using var results = session.Run(inputs);
        var byName = results.ToDictionary(r => r.Name);
        var presents = Enumerable.Range(0, config.LayerCount).Select(l =>
        {
            var t = byName[$"present_{l}"].AsTensor<float>();
            return new DenseTensor<float>(t.ToArray(), t.Dimensions.ToArray());
        }).ToArray();
        return new StepResult(byName["logits"].AsTensor<float>().ToArray(), presents);
    }
}
