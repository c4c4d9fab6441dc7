using ArML.Tests.Support;
using ArML.Torch;
using ArML.Trainers.VectorQuantization;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers.VectorQuantization;

/// <summary>
/// The VQ-VAE's quantization against independent computations: nearest codes against a float64 brute force, and the
/// straight-through gradient against finite differences (float64) of the surrogate it stands for, the decoder's
/// upsampling against a plain float64 transposed convolution.
/// </summary>
public class VectorQuantizerNumericsTests
{
    private static readonly VectorQuantizerShape Tiny = new(Height: 4, Width: 4, Channels: 2, CodebookSize: 7, CodeDimension: 3, HiddenChannels: 5,
        DownsamplingLayers: 1);

    [Fact]
    public void NearestCodesEqualABruteForceFloat64Search()
    {
        ArML.Torch.TorchRuntime.EnsureInitialized();
        manual_seed(3);
        using var network = new VectorQuantizerNetwork(Tiny with { CodebookSize = 50, CodeDimension = 6 }, seed: 3);
        using (no_grad()) network.Codebook.normal_();
        using var encoded = randn(8, 6, 3, 3);
        using var codes = network.Assign(encoded);
        var z = encoded.permute(0, 2, 3, 1).reshape(-1, 6).to(ScalarType.Float64).data<double>().ToArray();
        var e = network.Codebook.detach().to(ScalarType.Float64).data<double>().ToArray();
        var chosen = codes.flatten().data<long>().ToArray();
        Assert.Equal(8 * 3 * 3, chosen.Length);
        int exact = 0;
        for (int n = 0; n < chosen.Length; n++)
        {
            var distances = Enumerable.Range(0, 50).Select(k => Enumerable.Range(0, 6).Sum(i => Math.Pow(z[n * 6 + i] - e[k * 6 + i], 2))).ToArray();
            double best = distances.Min();
            // float32's ‖z‖² − 2z·e + ‖e‖² may pick a code whose distance ties the best within its rounding, nothing farther.
            double tolerance = 1e-5 * Enumerable.Range(0, 6).Sum(i => z[n * 6 + i] * z[n * 6 + i] + 10);
            Assert.True(distances[chosen[n]] <= best + tolerance, $"vector {n}: code {chosen[n]} at {distances[chosen[n]]}, the nearest at {best}");
            if (chosen[n] == Array.IndexOf(distances, best)) exact++;
        }
        Assert.True(exact >= chosen.Length - 1, $"{exact} of {chosen.Length} codes are the exact nearest");
    }

    [Fact]
    public void TheStraightThroughGradientReachesTheEncoderAsFiniteDifferencesOfItsSurrogateSay()
    {
        ArML.Torch.TorchRuntime.EnsureInitialized();
        manual_seed(5);
        using var network = new VectorQuantizerNetwork(Tiny, seed: 5);
        network.to(ScalarType.Float64);
        using (no_grad()) network.Codebook.normal_();
        using var images = rand(3, Tiny.Channels, Tiny.Height, Tiny.Width, ScalarType.Float64);
        using var weights = randn(3, Tiny.Channels, Tiny.Height, Tiny.Width, ScalarType.Float64);

        // The loss the straight-through pass trains: decode(quantize(encode(x))), weighted.
        var pass = network.Forward(images);
        (pass.Reconstruction * weights).sum().backward();
        // The surrogate it differentiates: the offset from encoder output to code held fixed, so the decoder reads
        // encode_θ(x) + (e − z₀) and the codes cannot change under a small step of θ.
        var offset = (pass.Quantized - pass.Encoded).detach();
        double Surrogate() { using (no_grad()) return (network.Decode(KeptScalar.Add(network.Encode(images), offset)) * weights).sum().item<double>(); }

        int checkedEntries = 0;
        foreach (var (name, parameter) in network.named_parameters().Where(p => p.name.StartsWith("enc", StringComparison.Ordinal)))
        {
            var gradient = parameter.grad ?? throw new Xunit.Sdk.XunitException($"{name} received no gradient");
            Assert.True(gradient.isfinite().all().item<bool>(), $"{name}'s gradient is not finite");
            Assert.True(gradient.abs().sum().item<double>() > 0, $"{name}'s gradient is zero");
            var flat = parameter.detach().view(-1);
            var analytic = gradient.view(-1);
            foreach (long i in new[] { 0L, flat.shape[0] / 2, flat.shape[0] - 1 })
            {
                const double h = 1e-6;
                double original = flat[i].item<double>();
                using (no_grad()) flat[i] = original + h;
                double up = Surrogate();
                using (no_grad()) flat[i] = original - h;
                double down = Surrogate();
                using (no_grad()) flat[i] = original;
                double numeric = (up - down) / (2 * h);
                Assert.True(Math.Abs(numeric - analytic[i].item<double>()) <= 1e-6 * (1 + Math.Abs(numeric)),
                    $"{name}[{i}]: straight-through gradient {analytic[i].item<double>()}, finite differences {numeric}");
                checkedEntries++;
            }
        }
        Assert.True(checkedEntries >= 12);
        // The codebook learns only from its own loss term, never from the reconstruction.
        Assert.True(network.Codebook.grad is null || network.Codebook.grad.abs().sum().item<double>() == 0);
    }

    [Theory]
    [InlineData(1, 8, 1, 4)]    // one output channel of an 8 × 8 image: libtorch's conv_transpose2d got it wrong
    [InlineData(3, 8, 1, 4)]
    [InlineData(2, 5, 3, 7)]
    [InlineData(1, 8, 1, 14)]   // the last layer of a 28 × 28 grey image
    public void TheDecodersUpsamplingIsATransposedConvolutionComputedInFloat64(int batch, int inputs, int outputs, int side)
    {
        ArML.Torch.TorchRuntime.EnsureInitialized();
        using var generator = new Generator(11);
        using var x = KeptScalar.SubInPlace(rand([batch, inputs, side, side], generator: generator), 0.3);
        using var w = KeptScalar.SubInPlace(rand([inputs, outputs, 4, 4], generator: generator), 0.5);
        using var b = rand([outputs], generator: generator);
        float[] xs = x.data<float>().ToArray(), ws = w.data<float>().ToArray(), bs = b.data<float>().ToArray();
        int n = 2 * side;
        // out[2i + a] gathers x[m]·w[k] over every m, k with 2m − 1 + k = 2i + a (stride 2, padding 1).
        var expected = new double[batch * outputs * n * n];
        var magnitude = new double[expected.Length];
        for (int s = 0; s < batch; s++)
            for (int o = 0; o < outputs; o++)
                for (int c = 0; c < inputs; c++)
                    for (int y = 0; y < side; y++)
                        for (int xx = 0; xx < side; xx++)
                            for (int ky = 0; ky < 4; ky++)
                                for (int kx = 0; kx < 4; kx++)
                                {
                                    int oy = 2 * y - 1 + ky, ox = 2 * xx - 1 + kx;
                                    if (oy < 0 || oy >= n || ox < 0 || ox >= n) continue;
                                    double term = (double)xs[((s * inputs + c) * side + y) * side + xx] * ws[((c * outputs + o) * 4 + ky) * 4 + kx];
                                    int at = ((s * outputs + o) * n + oy) * n + ox;
                                    expected[at] += term;
                                    magnitude[at] += Math.Abs(term);
                                }
        for (int i = 0; i < expected.Length; i++) expected[i] += bs[i / (n * n) % outputs];

        for (int call = 0; call < 3; call++)
        {
            using var actual = StrideTwoTransposedConvolution.Apply(x, w, b);
            Assert.Equal(new long[] { batch, outputs, n, n }, actual.shape);
            var values = actual.contiguous().data<float>().ToArray();
            for (int i = 0; i < expected.Length; i++)
            {
                double tolerance = Float32Rounding.Sum(1, inputs * 4, magnitude[i] + Math.Abs(expected[i]));
                Assert.True(Math.Abs(values[i] - expected[i]) <= tolerance, $"call {call}, value {i}: {values[i]}, float64 {expected[i]}");
            }
        }
    }

    [Fact]
    public void PerplexityIsTheExponentialOfTheEntropy()
    {
        Assert.Equal(4, VectorQuantizerMetrics.Perplexity([5, 5, 5, 5, 0]), 12);
        Assert.Equal(1, VectorQuantizerMetrics.Perplexity([0, 9, 0]), 12);
        double entropy = -(0.75 * Math.Log(0.75) + 0.25 * Math.Log(0.25));
        Assert.Equal(Math.Exp(entropy), VectorQuantizerMetrics.Perplexity([3, 1]), 12);
    }
}
