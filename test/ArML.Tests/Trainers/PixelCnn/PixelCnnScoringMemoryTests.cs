using ArML.Tests.Trainers.Density;
using ArML.Trainers.Density;
using Microsoft.ML;
using TorchSharp;
using Xunit;

namespace ArML.Tests.Trainers.PixelCnn;

/// <summary>TorchSharp's count of live tensors, which these tests read, is shared by every test running beside them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMemoryCollection
{
    public const string Name = "Live tensor count (run alone)";
}

/// <summary>Scoring many rows with a PixelCNN keeps memory bounded: passes of bounded size, and no tensor outlives its pass.</summary>
[Collection(ProcessMemoryCollection.Name)]
public class PixelCnnScoringMemoryTests
{
    [Fact]
    public void APassOverManyMnistSizedImagesTakesAFewHundredRows()
    {
        // The bench's model: at 4096 rows per pass (the old bound, which counted only the B·D·P output parameters), one
        // gated layer's maps were 4096 × 64 × 28 × 28 floats (822 MB each, about 10 GB for a pass).
        var shape = new ArML.Trainers.PixelCnn.PixelCnnConfig(28, 28, 1, 5, 32, 7, 3, 64);
        using var model = new DensityModel(PixelCnnTestModels.RandomNetwork(shape), null, torch.CPU);
        long mapBytes = 4L * 2 * 32 * 28 * 28;
        Assert.InRange(model.RowsPerPass * mapBytes, mapBytes, 64L << 20);
    }

    [Fact]
    public void RepeatedScoringLeavesNoTensorBehind()
    {
        var ml = new MLContext(seed: 1);
        const int side = 8;
        var images = DensityTestData.MarkovChain(512, side * side, seed: 5);
        var data = DensityTestData.Load(ml, images, side * side);
        var options = PixelCnnTestModels.Options(side, side, iterations: 1);
        options.ScoringBatchSize = 64;
        using var model = PixelCnnTestModels.Fit(ml, options, data);
        // Training leftovers are collected first, so that the count before scoring is settled.
        DensityTestData.Scores(model.Transform(DensityTestData.Load(ml, images[..8], side * side)));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long tensors = torch.Tensor.TotalCount;

        double[]? first = null;
        for (int pass = 0; pass < 3; pass++)
        {
            var ll = DensityTestData.Scores(model.Transform(data)).LogLikelihood;
            first ??= ll;
            Assert.Equal(first, ll);
        }

        // No tensor of a batch outlives it (the finalizer may still free older ones meanwhile).
        Assert.True(torch.Tensor.TotalCount <= tensors, $"{torch.Tensor.TotalCount - tensors} more live tensors after scoring.");
    }
}
