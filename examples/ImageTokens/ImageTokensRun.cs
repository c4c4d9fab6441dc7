using ArML.Persistence;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using ArML.Trainers.VectorQuantization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Examples.ImageTokens;

/// <summary>The figures the example prints.</summary>
/// <param name="ReconstructionError">Mean squared error per pixel of decode(encode(x)) on the test images.</param>
/// <param name="MeanImageError">The same for the mean training image (the baseline).</param>
/// <param name="PixelErrorRate">Pixels whose reconstruction rounds to the wrong side of 0.5.</param>
/// <param name="Metrics">The quantizer's own figures (code perplexity, codes used, restarts).</param>
/// <param name="PriorBitsPerCode">The GPT prior's test NLL in bits per code (the end of the row included).</param>
/// <param name="UnigramBitsPerCode">Bits per code of the codes' training frequencies (the prior's baseline).</param>
/// <param name="SamplesDecoded">Code grids sampled from the GPT prior and decoded into the PNG.</param>
/// <param name="PixelCnnBitsPerCode">The PixelCNN prior's test NLL in bits per code, when it was trained (--pixelcnn-seconds).</param>
public sealed record ImageTokensReport(double ReconstructionError, double MeanImageError, double PixelErrorRate, VectorQuantizerMetrics Metrics,
    double PriorBitsPerCode, double UnigramBitsPerCode, int SamplesDecoded, double? PixelCnnBitsPerCode = null);

/// <summary>
/// MNIST → VQ-VAE codes (7 × 7 of 64) → a GPT prior over the codes (and optionally a PixelCNN over the code grid) →
/// sampled codes decoded into images.
/// </summary>
public static class ImageTokensRun
{
    public static ImageTokensReport Run(ImageTokensSettings settings, string folder, TextWriter output)
    {
        var ml = new MLContext(seed: 1);
        var trainImages = MnistImages.Read(Path.Combine(folder, "train.bin"), settings.TrainImages);
        var testImages = MnistImages.Read(Path.Combine(folder, "test.bin"), settings.TestImages);
        var train = MnistImages.Load(ml, trainImages);
        var test = MnistImages.Load(ml, testImages);
        output.WriteLine($"Binarized MNIST: {trainImages.Count} training and {testImages.Count} test images of 28 × 28.");

        using var quantizer = ml.Transforms.VectorQuantize(new VectorQuantizerOptions
        {
            InputColumnName = "Pixels", OutputColumnName = "Codes", Height = 28, Width = 28, CodebookSize = 64, CodeDimension = 16,
            HiddenChannels = 32, DownsamplingLayers = 2, BatchSize = 32, LearningRate = 2e-3, MaxIterations = settings.MaxIterations,
            MaxTime = TimeSpan.FromSeconds(settings.QuantizerSeconds), ValidationSet = test, EvaluationInterval = 200, Seed = 1,
        }).Fit(train);
        var report = Reconstruction(quantizer, trainImages, testImages);
        var m = quantizer.Metrics!;
        output.WriteLine($"VQ-VAE ({quantizer.GridHeight} × {quantizer.GridWidth} codes of {quantizer.CodebookSize}): reconstruction error " +
            $"{report.Error:F4} per pixel on the test images (the mean image: {report.MeanImage:F4}); {report.PixelErrors:P2} of pixels wrong after rounding.");
        output.WriteLine($"Codebook: perplexity {m.CodePerplexity:F1} of {quantizer.CodebookSize} ({m.CodeEntropyBits:F2} bits), {m.CodesUsed} codes used, " +
            $"{m.DeadCodeRestarts} dead codes restarted during training.");

        var trainCodes = quantizer.Transform(train);
        var testCodes = quantizer.Transform(test);
        using var prior = ml.LanguageModeling().Trainers.Gpt(new GptTrainer.Options
        {
            TokenColumnName = "Codes", ContextLength = quantizer.CodeCount + 1, BatchLayout = BatchLayout.RowAligned, LayerCount = 3, HeadCount = 4,
            EmbeddingSize = 96, BatchSize = 32, LearningRate = 2e-3, MaxIterations = settings.MaxIterations,
            MaxTime = TimeSpan.FromSeconds(settings.PriorSeconds), EvaluationInterval = 200, Seed = 1,
        }).Fit(trainCodes);
        double nats = -prior.Transform(testCodes).GetColumn<double>("LogLikelihood").Sum();
        double priorBits = nats / Math.Log(2) / (testImages.Count * (double)quantizer.CodeCount);
        double unigramBits = UnigramBits(trainCodes, testCodes, quantizer.CodebookSize);
        output.WriteLine($"GPT prior over the codes: {priorBits:F3} bits per code on the test images (codes' own frequencies: {unigramBits:F3}; " +
            $"a uniform code: {Math.Log2(quantizer.CodebookSize):F3}); {priorBits * quantizer.CodeCount:F1} bits per image.");

        // Originals, their reconstructions, then samples: code grids drawn from the prior and decoded.
        var grid = new List<float[]>();
        int shown = Math.Min(8, testImages.Count);
        grid.AddRange(testImages.Take(shown));
        grid.AddRange(testImages.Take(shown).Select(image => quantizer.Decode(quantizer.Encode(image))));
        int decoded = 0;
        for (int seed = 1; decoded < settings.Samples && seed <= settings.Samples * 4; seed++)
        {
            var codes = prior.GenerateTokens([], maxNewTokens: quantizer.CodeCount, seed: seed);
            if (codes.Length != quantizer.CodeCount) continue;   // the prior ended the row early: draw again
            grid.Add(quantizer.Decode(codes));
            decoded++;
        }
        double? pixelCnnBits = null;
        if (settings.PixelCnnSeconds > 0)
        {
            var (bits, samples) = PixelCnnPrior.Run(ml, quantizer, train, trainCodes, testCodes, testImages.Count, settings, output);
            pixelCnnBits = bits;
            grid.AddRange(samples);
            if (settings.PixelCnnAlso is { } also)
                PixelCnnPrior.Run(ml, quantizer, train, trainCodes, testCodes, testImages.Count,
                    settings with { PixelCnnInput = also, Output = Path.ChangeExtension(settings.Output, "." + also.ToString().ToLowerInvariant() + ".png") }, output);
        }
        PngGrid.Write(settings.Output, grid, 28, 28, columns: 8);
        output.WriteLine($"Wrote {settings.Output}: {shown} test images, their reconstructions, {decoded} images sampled from the GPT prior" +
            (pixelCnnBits is null ? "." : $" and {settings.Samples} from the PixelCNN prior."));

        var model = new TransformerChain<ITransformer>(quantizer, prior);
        string modelPath = Path.ChangeExtension(settings.Output, ".arml");
        ml.Model.SaveArml(model, train.Schema, modelPath);
        output.WriteLine($"Saved the quantizer and the prior to {modelPath}.");
        return new ImageTokensReport(report.Error, report.MeanImage, report.PixelErrors, m, priorBits, unigramBits, decoded, pixelCnnBits);
    }

    private static (double Error, double MeanImage, double PixelErrors) Reconstruction(VectorQuantizingTransformer quantizer, List<float[]> train, List<float[]> test)
    {
        var mean = new double[train[0].Length];
        foreach (var image in train)
            for (int i = 0; i < mean.Length; i++) mean[i] += image[i] / (double)train.Count;
        double error = 0, meanError = 0, wrong = 0;
        foreach (var image in test)
        {
            var decoded = quantizer.Decode(quantizer.Encode(image));
            for (int i = 0; i < image.Length; i++)
            {
                error += Math.Pow(decoded[i] - image[i], 2);
                meanError += Math.Pow(mean[i] - image[i], 2);
                if (decoded[i] >= 0.5f != image[i] >= 0.5f) wrong++;
            }
        }
        double values = test.Count * (double)test[0].Length;
        return (error / values, meanError / values, wrong / values);
    }

    // Cross-entropy of the test codes under the training codes' frequencies (add-one smoothed), in bits per code.
    private static double UnigramBits(IDataView trainCodes, IDataView testCodes, int codebookSize)
    {
        var counts = Enumerable.Repeat(1.0, codebookSize).ToArray();
        foreach (var row in trainCodes.GetColumn<VBuffer<uint>>("Codes"))
            foreach (uint key in row.DenseValues()) counts[key - 1]++;
        double total = counts.Sum(), bits = 0;
        long n = 0;
        foreach (var row in testCodes.GetColumn<VBuffer<uint>>("Codes"))
            foreach (uint key in row.DenseValues())
            {
                bits -= Math.Log2(counts[key - 1] / total);
                n++;
            }
        return bits / n;
    }
}
