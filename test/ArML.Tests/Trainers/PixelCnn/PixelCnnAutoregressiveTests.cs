using ArML.Trainers.Density;
using ArML.Trainers.PixelCnn;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ArML.Tests.Trainers.PixelCnn;

/// <summary>
/// The autoregressive property of the gated PixelCNN by perturbation, for every value of small images: changing value j
/// never changes the conditional of any value i ≤ j, and (no blind spot) always changes the conditional of every value
/// after it when the layers reach that far, including the pixels up and to the right that plain masked convolutions miss.
/// </summary>
public class PixelCnnAutoregressiveTests
{
    [Theory]
    [InlineData(4, 5, 1, OutputDistribution.Bernoulli, 2, false)]
    [InlineData(3, 4, 3, OutputDistribution.Categorical, 4, false)]
    [InlineData(3, 4, 3, OutputDistribution.Categorical, 4, true)]
    public void ChangingAValueChangesExactlyTheConditionalsAfterIt(int height, int width, int channels, OutputDistribution distribution, int categories,
        bool oneHot)
    {
        // Kernel 5 then 3: after 3 layers the vertical stack reaches 2 + 1 + 1 columns either side and every row above,
        // and the horizontal stack 3 + 1 + 1 columns to the left: the whole past of every pixel of these images.
        var shape = new PixelCnnConfig(height, width, channels, Layers: 3, Filters: 4, FirstKernelSize: 5, KernelSize: 3, OutputHiddenSize: 6, oneHot);
        using var network = PixelCnnTestModels.RandomNetwork(shape, distribution, categories);
        int d = (int)shape.Values;
        var random = new Random(4);
        // The network reads categories as the trainer feeds them, scaled to [0, 1] (one-hot input rounds them back).
        double[] Read(int[] values) => values.Select(v => distribution == OutputDistribution.Categorical ? v / (double)(categories - 1) : v).ToArray();
        // A dependence shows in at least one of the trials: at a given image, a ReLU can be off for every feature a
        // change reaches (seen with one-hot input), which hides the connection there but not everywhere.
        var changedEver = new bool[d, d];
        for (int trial = 0; trial < 3; trial++)
        {
            var x = Enumerable.Range(0, d).Select(_ => random.Next(categories)).ToArray();
            var before = PixelCnnTestModels.Outputs(network, Read(x));
            for (int j = 0; j < d; j++)
            {
                var perturbed = (int[])x.Clone();
                perturbed[j] = (perturbed[j] + 1) % categories;
                var after = PixelCnnTestModels.Outputs(network, Read(perturbed));
                for (int i = 0; i < d; i++)
                {
                    bool changed = !before[i].SequenceEqual(after[i]);
                    if (i <= j) Assert.False(changed, $"the conditional of value {i} changed when value {j} changed");
                    changedEver[i, j] |= changed;
                }
            }
        }
        for (int j = 0; j < d; j++)
            for (int i = j + 1; i < d; i++) Assert.True(changedEver[i, j], $"the conditional of value {i} ignores value {j} (a blind spot)");
    }

    [Fact]
    public void ThePixelUpAndTwoToTheRightInfluencesUnlikePlainMaskedConvolutions()
    {
        const int h = 4, w = 5;
        int target = 2 * w + 1, blindSpot = 1 * w + 3;   // pixel (2, 1) and pixel (1, 3), one row up and two columns right
        var shape = new PixelCnnConfig(h, w, 1, Layers: 3, Filters: 8, FirstKernelSize: 3, KernelSize: 3, OutputHiddenSize: 16);
        using var network = PixelCnnTestModels.RandomNetwork(shape);
        var x = new double[h * w];
        var perturbed = (double[])x.Clone();
        perturbed[blindSpot] = 1;
        Assert.False(PixelCnnTestModels.Outputs(network, x)[target].SequenceEqual(PixelCnnTestModels.Outputs(network, perturbed)[target]));

        // The same perturbation through four plain 3×3 masked convolutions (mask A, then B), written here with explicit
        // masks: the output at pixel (2, 1) does not move, so the check above can tell the two architectures apart.
        Assert.Equal(PlainMaskedStack(x, h, w)[target], PlainMaskedStack(perturbed, h, w)[target]);
        Assert.NotEqual(PlainMaskedStack(x, h, w)[target], PlainMaskedStack(Perturb(x, w), h, w)[target]);
    }

    // Pixel (1, 2), directly above-right within the 3×3 mask: plain masked convolutions do see it.
    private static double[] Perturb(double[] x, int w)
    {
        var copy = (double[])x.Clone();
        copy[1 * w + 2] = 1;
        return copy;
    }

    private static double[] PlainMaskedStack(double[] x, int h, int w)
    {
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator(7);
        var features = tensor(x, [1, 1, h, w]);
        for (int layer = 0; layer < 4; layer++)
        {
            var mask = ones(3, 3, dtype: ScalarType.Float64);
            mask[2] = zeros(3, dtype: ScalarType.Float64);
            mask[1, 2] = tensor(0.0);
            if (layer == 0) mask[1, 1] = tensor(0.0);   // mask A: not the pixel itself
            long inputs = features.shape[1];
            var weight = randn([3, inputs, 3, 3], dtype: ScalarType.Float64, generator: generator) * mask;
            features = F.conv2d(features, weight, padding: [1, 1]).tanh();
        }
        return features.sum(1).flatten().data<double>().ToArray();
    }
}
