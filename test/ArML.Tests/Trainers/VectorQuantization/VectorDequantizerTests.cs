using ArML.Persistence;
using ArML.Tests.Support;
using ArML.Trainers.VectorQuantization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Trainers.VectorQuantization;

/// <summary>The inverse transform: codes columns decoded as Decode decodes them, saved and loaded, bad rows named.</summary>
public class VectorDequantizerTests
{
    private static VectorQuantizingTransformer Quantizer(MLContext ml, List<float[]> images) => ml.Transforms.VectorQuantize(new VectorQuantizerOptions
    {
        InputColumnName = "Pixels", OutputColumnName = "Codes", Height = 8, Width = 8, CodebookSize = 8, CodeDimension = 4, HiddenChannels = 8,
        DownsamplingLayers = 1, MaxIterations = 15, BatchSize = 16, LearningRate = 3e-3, WarmupIterations = 2, DeadCodeInterval = 5, Seed = 2,
    }).Fit(VectorQuantizerTestData.Load(ml, images));

    [Fact]
    public void DecodedRowsEqualDecodeOfTheirCodes()
    {
        var ml = new MLContext(seed: 1);
        var images = VectorQuantizerTestData.Bars(70, seed: 8);
        using var quantizer = Quantizer(ml, images);
        var data = VectorQuantizerTestData.Load(ml, images);
        var codes = quantizer.Transform(data);
        var expected = images.Select(i => quantizer.Decode(quantizer.Encode(i))).ToList();

        // One row per pass: the same computation as Decode, so the same floats.
        using var single = ml.Transforms.VectorDequantize("Decoded", quantizer, scoringBatchSize: 1).Fit(codes);
        Assert.Equal(expected, Images(single.Transform(codes)));

        // The default batch (64 rows, then 6) computes through other kernels: equal within float32 rounding of the
        // decoder's dot products (3 × 3 × D inputs, then 2 × 2 × hidden), over values below 2 in magnitude.
        var dequantizer = ml.Transforms.VectorDequantize("Decoded", quantizer);
        Assert.Equal(64, dequantizer.Fit(codes).ScoringBatchSize);
        var batched = Images(dequantizer.Fit(codes).Transform(codes));
        double tolerance = Float32Rounding.Sum(2, 9 * 8, 2);
        for (int r = 0; r < images.Count; r++)
            for (int i = 0; i < expected[r].Length; i++)
                Assert.True(Math.Abs(batched[r][i] - expected[r][i]) <= tolerance, $"row {r}, value {i}: {batched[r][i]} batched, {expected[r][i]} alone");

        // Single codes (as a density model samples them) decode like keys.
        var singles = VectorQuantizerTestData.LoadSingles(ml, images.Select(i => quantizer.Encode(i).Select(c => (float)c).ToArray()), 16);
        Assert.Equal(expected, Images(single.Transform(singles)));
    }

    [Fact]
    public void ADequantizerSavedAloneOrInAPipelineLoadsAndDecodesTheSame()
    {
        var ml = new MLContext(seed: 1);
        var images = VectorQuantizerTestData.Bars(20, seed: 9);
        using var quantizer = Quantizer(ml, images);
        var data = VectorQuantizerTestData.Load(ml, images);
        var codes = quantizer.Transform(data);
        using var dequantizer = ml.Transforms.VectorDequantize("Decoded", quantizer, scoringBatchSize: 7).Fit(codes);
        var expected = Images(dequantizer.Transform(codes));
        string path = Path.Combine(Path.GetTempPath(), $"arml-vqd-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveArml(dequantizer, codes.Schema, path);
            using var loaded = Assert.IsType<VectorDequantizingTransformer>(ml.Model.LoadArml(path, out var schema));
            Assert.Equal(("Decoded", "Codes", 7, 16), (loaded.OutputColumnName, loaded.InputColumnName, loaded.ScoringBatchSize, loaded.CodeCount));
            Assert.Equal(codes.Schema["Codes"].Type, schema["Codes"].Type);
            Assert.Equal(expected, Images(loaded.Transform(codes)));

            // Images → codes → images as one saved pipeline.
            var chain = new TransformerChain<ITransformer>(quantizer, dequantizer);
            ml.Model.SaveArml(chain, data.Schema, path);
            var loadedChain = Assert.IsType<TransformerChain<ITransformer>>(ml.Model.LoadArml(path, out _));
            Assert.Equal(expected, Images(loadedChain.Transform(data)));
            foreach (var part in loadedChain) (part as IDisposable)?.Dispose();
        }
        finally
        {
            File.Delete(path);
        }
        // The decoder shares the quantizer's network: disposing it leaves the quantizer working.
        dequantizer.Dispose();
        Assert.Equal(64, quantizer.Decode(new int[16]).Length);
    }

    [Fact]
    public void BadCodesAreNamedByColumnAndRow()
    {
        var ml = new MLContext(seed: 1);
        using var quantizer = Quantizer(ml, VectorQuantizerTestData.Bars(20, seed: 9));
        var good = Enumerable.Repeat(1u, 16).ToArray();
        var estimator = ml.Transforms.VectorDequantize("Decoded", quantizer);

        var shortRow = VectorQuantizerTestData.LoadKeys(ml, [good, good[..15]], 8, size: 0);
        var error = Assert.Throws<InvalidDataException>(() => Images(estimator.Fit(shortRow).Transform(shortRow)));
        Assert.Contains("Row 1 of column 'Codes'", error.Message);
        Assert.Contains("15 values", error.Message);

        var missing = VectorQuantizerTestData.LoadKeys(ml, [good, good, good.Select((k, i) => i == 4 ? 0u : k).ToArray()], 8, size: 16);
        error = Assert.Throws<InvalidDataException>(() => Images(estimator.Fit(missing).Transform(missing)));
        Assert.Contains("Row 2 of column 'Codes'", error.Message);
        Assert.Contains("missing", error.Message);

        var outside = VectorQuantizerTestData.LoadSingles(ml, [new float[16], Enumerable.Repeat(8f, 16).ToArray()], 16);
        error = Assert.Throws<InvalidDataException>(() => Images(estimator.Fit(outside).Transform(outside)));
        Assert.Contains("Row 1 of column 'Codes'", error.Message);
        Assert.Contains("0..7", error.Message);

        var tooManyKeys = VectorQuantizerTestData.LoadKeys(ml, [good], 9, size: 16);
        var schema = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(tooManyKeys));
        Assert.Contains("Column 'Codes' (codes) holds keys 1 … 9, but the codebook has 8", schema.Message);
        var wrongSize = VectorQuantizerTestData.LoadKeys(ml, [good[..15]], 8, size: 15);
        schema = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(wrongSize));
        Assert.Contains("Column 'Codes' (codes) holds vectors of 15 codes, but a grid of 4 × 4 has 16", schema.Message);
        schema = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.VectorDequantize("Decoded", quantizer, "Pixels").Fit(wrongSize));
        Assert.Contains("Column 'Pixels' (codes) was not found", schema.Message);
    }

    private static List<float[]> Images(IDataView view) => view.GetColumn<VBuffer<float>>("Decoded").Select(v => v.DenseValues().ToArray()).ToList();
}
