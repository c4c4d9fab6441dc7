using ArML.Persistence;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using ArML.Trainers.VectorQuantization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Trainers.VectorQuantization;

/// <summary>Images → codes → a GPT prior over the codes, saved with SaveArml and loaded: the same samples and images.</summary>
public class VectorQuantizerPipelineTests
{
    [Fact]
    public void AQuantizerAndGptPriorSavedAndLoadedSampleTheSameImages()
    {
        var ml = new MLContext(seed: 1);
        var images = VectorQuantizerTestData.Bars(96, seed: 6);
        var data = VectorQuantizerTestData.Load(ml, images);
        var pipeline = ml.Transforms.VectorQuantize(new VectorQuantizerOptions
        {
            InputColumnName = "Pixels", OutputColumnName = "Codes", Height = 8, Width = 8, CodebookSize = 8, CodeDimension = 4, HiddenChannels = 8,
            DownsamplingLayers = 1, MaxIterations = 20, BatchSize = 16, LearningRate = 3e-3, WarmupIterations = 2, DeadCodeInterval = 5, Seed = 2,
        }).Append(ml.LanguageModeling().Trainers.Gpt(new GptTrainer.Options
        {
            TokenColumnName = "Codes", ContextLength = 17, BatchLayout = BatchLayout.RowAligned, LayerCount = 1, HeadCount = 2, EmbeddingSize = 16,
            BatchSize = 8, MaxIterations = 20, WarmupIterations = 2, LearningRate = 3e-3, Seed = 4,
        }));
        var model = pipeline.Fit(data);
        var quantizer = (VectorQuantizingTransformer)model.First();
        var prior = model.LastTransformer;
        var sampled = prior.GenerateTokens([], maxNewTokens: 16, seed: 9);
        Assert.All(sampled, code => Assert.InRange(code, 0, 7));

        string path = Path.Combine(Path.GetTempPath(), $"arml-vq-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveArml(model, data.Schema, path);
            var loaded = Assert.IsType<TransformerChain<ITransformer>>(ml.Model.LoadArml(path, out var schema));
            Assert.Equal(data.Schema.Select(c => c.Name), schema.Select(c => c.Name));
            using var loadedQuantizer = Assert.IsType<VectorQuantizingTransformer>(loaded.First());
            using var loadedPrior = Assert.IsType<LanguageModelTransformer>(loaded.Last());
            Assert.Equal(sampled, loadedPrior.GenerateTokens([], maxNewTokens: 16, seed: 9));
            Assert.Equal(quantizer.Metrics, loadedQuantizer.Metrics);

            var codes = sampled.Concat(Enumerable.Repeat(0, 16)).Take(16).ToArray();   // a row the prior ended early is padded
            Assert.Equal(quantizer.Decode(codes), loadedQuantizer.Decode(codes));
            Assert.Equal(Codes(model.Transform(data)), Codes(loaded.Transform(data)));
            Assert.Equal(prior.Transform(quantizer.Transform(data)).GetColumn<double>("LogLikelihood"),
                loaded.Transform(data).GetColumn<double>("LogLikelihood"));
        }
        finally
        {
            File.Delete(path);
            quantizer.Dispose();
            prior.Dispose();
        }
    }

    /// <summary>
    /// The same network decodes the same codes to the same image on every call, and so does the network saved and
    /// loaded. This failed when the decoder used libtorch's CPU conv_transpose2d, which computes one output channel
    /// of an 8 × 8 image wrongly, differently from call to call (see StrideTwoTransposedConvolution).
    /// </summary>
    [Fact]
    public void DecodingIsDeterministic()
    {
        TorchSharp.torch.manual_seed(7);
        var ml = new MLContext(seed: 1);
        var data = VectorQuantizerTestData.Load(ml, VectorQuantizerTestData.Bars(96, seed: 6));
        using var quantizer = ml.Transforms.VectorQuantize(new VectorQuantizerOptions
        {
            InputColumnName = "Pixels", OutputColumnName = "Codes", Height = 8, Width = 8, CodebookSize = 8, CodeDimension = 4, HiddenChannels = 8,
            DownsamplingLayers = 1, MaxIterations = 20, BatchSize = 16, LearningRate = 3e-3, WarmupIterations = 2, DeadCodeInterval = 5, Seed = 2,
        }).Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"arml-vq-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveArml(quantizer, data.Schema, path);
            using var loaded = Assert.IsType<VectorQuantizingTransformer>(ml.Model.LoadArml(path, out _));
            int[] codes = [0, 3, 2, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
            Assert.Equal(quantizer.Decode(codes), quantizer.Decode(codes));
            Assert.Equal(quantizer.Decode(codes), loaded.Decode(codes));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static List<uint[]> Codes(IDataView view) => view.GetColumn<VBuffer<uint>>("Codes").Select(v => v.DenseValues().ToArray()).ToList();
}

