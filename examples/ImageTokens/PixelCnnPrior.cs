using ArML.Persistence;
using ArML.Trainers.Density;
using ArML.Trainers.PixelCnn;
using ArML.Trainers.VectorQuantization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Examples.ImageTokens;

/// <summary>
/// The optional second prior: a PixelCNN over the code grid (GridHeight × GridWidth, one channel, K categories), which
/// reads the key-typed codes column directly; its samples decode through <c>mlContext.Transforms.VectorDequantize</c>.
/// </summary>
public static class PixelCnnPrior
{
    private sealed class CodesRow
    {
        public float[] Codes { get; set; } = [];
    }

    /// <summary>Trains the PixelCNN prior, prints its test bits per code, saves quantizer + prior, and returns decoded samples.</summary>
    public static (double BitsPerCode, List<float[]> Samples) Run(MLContext ml, VectorQuantizingTransformer quantizer, IDataView train,
        IDataView trainCodes, IDataView testCodes, int testImages, ImageTokensSettings settings, TextWriter output)
    {
        using var prior = ml.DensityEstimation().Trainers.PixelCnn(new PixelCnnOptions
        {
            FeatureColumnName = "Codes", Height = quantizer.GridHeight, Width = quantizer.GridWidth, Distribution = OutputDistribution.Categorical,
            CategoryCount = quantizer.CodebookSize, Layers = 5, Filters = 32, FirstKernelSize = 5, OutputHiddenSize = 64, BatchSize = 32,
            LearningRate = 2e-3, MaxIterations = settings.MaxIterations, MaxTime = TimeSpan.FromSeconds(settings.PixelCnnSeconds),
            EvaluationInterval = 200, Seed = 1, InputEncoding = settings.PixelCnnInput,
        }).Fit(trainCodes);
        double nats = -prior.Transform(testCodes).GetColumn<double>("LogLikelihood").Sum();
        double bits = nats / Math.Log(2) / (testImages * (double)quantizer.CodeCount);
        output.WriteLine($"PixelCNN prior over the {quantizer.GridHeight} × {quantizer.GridWidth} code grid (codes read " +
            $"{(settings.PixelCnnInput == PixelCnnInputEncoding.Scaled ? "as scaled numbers" : "one-hot")}): {bits:F3} bits per code on the test images; " +
            $"{bits * quantizer.CodeCount:F1} bits per image.");

        // Sampled grids hold the codes 0 … K − 1 as Single, which the dequantizer reads as well as keys.
        var grids = ml.Data.LoadFromEnumerable(prior.Sample(settings.Samples, seed: 1).Select(codes => new CodesRow { Codes = codes }),
            Schema(quantizer.CodeCount));
        using var decoder = ml.Transforms.VectorDequantize("Image", quantizer).Fit(grids);
        var images = decoder.Transform(grids).GetColumn<VBuffer<float>>("Image").Select(v => v.DenseValues().ToArray()).ToList();

        string path = Path.ChangeExtension(settings.Output, ".pixelcnn.arml");
        ml.Model.SaveArml(new TransformerChain<ITransformer>(quantizer, prior), train.Schema, path);
        output.WriteLine($"Saved the quantizer and the PixelCNN prior to {path}.");
        return (bits, images);
    }

    private static SchemaDefinition Schema(int codes)
    {
        var schema = SchemaDefinition.Create(typeof(CodesRow));
        schema[nameof(CodesRow.Codes)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, codes);
        return schema;
    }
}
