using ArML.Tests.Trainers.Density;
using Microsoft.ML;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;

namespace ArML.Tests.Trainers.PixelCnn;

/// <summary>The process's memory, which these tests measure, is shared by every test running beside them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMemoryCollection
{
    public const string Name = "Process memory (run alone)";
}

/// <summary>Scoring many rows with a density model keeps the process's memory bounded: no tensor or freed heap memory piles up.</summary>
[Collection(ProcessMemoryCollection.Name)]
public class PixelCnnScoringMemoryTests(ITestOutputHelper output)
{
    [Fact]
    public void RepeatedScoringKeepsTensorsAndResidentMemoryBounded()
    {
        var ml = new MLContext(seed: 1);
        const int side = 16;
        var images = DensityTestData.MarkovChain(512, side * side, seed: 5);
        var data = DensityTestData.Load(ml, images, side * side);
        var options = PixelCnnTestModels.Options(side, side, iterations: 1);
        // Activations of a batch of 256 are megabytes each (256 × 64 × 16 × 16 floats): the sizes glibc serves from its heap.
        options.Filters = 32;
        options.Layers = 3;
        options.ScoringBatchSize = 256;
        using var model = PixelCnnTestModels.Fit(ml, options, data);
        // Warm up code paths and libtorch's own caches on a few rows.
        DensityTestData.Scores(model.Transform(DensityTestData.Load(ml, images[..8], side * side)));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long tensors = torch.Tensor.TotalCount, before = Environment.WorkingSet;

        double[]? first = null;
        for (int pass = 0; pass < 3; pass++)
        {
            var ll = DensityTestData.Scores(model.Transform(data)).LogLikelihood;
            first ??= ll;
            Assert.Equal(first, ll);
            output.WriteLine($"pass {pass}: live tensors {torch.Tensor.TotalCount}, working set {Environment.WorkingSet >> 20} MB");
        }

        // No tensor of a batch outlives it (the finalizer may still free older ones meanwhile).
        Assert.True(torch.Tensor.TotalCount <= tensors, $"{torch.Tensor.TotalCount - tensors} more live tensors after scoring.");
        // Three passes over 512 rows allocate gigabytes of activations; without handing freed memory back, the working
        // set keeps hundreds of megabytes of them.
        long growth = Environment.WorkingSet - before;
        Assert.True(growth < 48L << 20, $"The working set grew by {growth >> 20} MB while scoring.");
    }
}
