using ArML.Torch;
using ArML.Persistence;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ArML.Trainers.VectorQuantization;

/// <summary>What one pass of the VQ-VAE computes for a batch of images.</summary>
/// <param name="Reconstruction">Decoded images (B, C, H, W).</param>
/// <param name="Encoded">Encoder outputs before quantization (B, D, h, w).</param>
/// <param name="Quantized">Their nearest codebook vectors (B, D, h, w), attached to the codebook's graph.</param>
/// <param name="Codes">The chosen codes (B, h, w), zero-based.</param>
internal sealed record VectorQuantizerPass(Tensor Reconstruction, Tensor Encoded, Tensor Quantized, Tensor Codes);

/// <summary>
/// The VQ-VAE of van den Oord et al. (2017) at CPU size: an encoder of stride-2 4×4 convolutions, a 3×3 and a 1×1
/// convolution to D channels; a codebook of K vectors of dimension D; a decoder that mirrors the encoder with a 3×3
/// convolution and transposed stride-2 4×4 convolutions back to the image's channels. ReLU between layers.
/// </summary>
/// <remarks>
/// Quantization replaces each encoder output vector by its nearest codebook vector (squared Euclidean distance). The
/// decoder reads z + sg(e − z) (sg: stop-gradient), which equals e forward while the reconstruction gradient passes
/// to the encoder unchanged: the straight-through estimator. Parameters are plain tensors named as in
/// <see cref="LayerShapes"/>, so a saved file's tensors can be checked against its configuration before any network
/// is built.
/// </remarks>
internal sealed class VectorQuantizerNetwork : nn.Module
{
    /// <summary>A network of <paramref name="shape"/>, initialised from <paramref name="seed"/>, or zeros for weights about to be read.</summary>
    public VectorQuantizerNetwork(VectorQuantizerShape shape, long? seed) : base("vqvae")
    {
        Shape = shape;
        // A generator of its own, so that the seed alone fixes the weights, whatever else uses libtorch's global one.
        using var generator = seed is long s ? new Generator((ulong)s) : null;
        foreach (var (name, dims) in LayerShapes(shape))
        {
            var parameter = new Parameter(zeros(dims));
            if (generator != null && (dims.Length > 1 || name == CodebookName))
            {
                // The codebook uniform in ±1/K as the paper's code does (unused codes move onto encoder outputs early in
                // training); kernels as nn.Conv2d's default; biases zero.
                double bound = name == CodebookName ? 1.0 / shape.CodebookSize : KernelBound(name, dims);
                using var noGrad = no_grad();
                using var uniform = rand(dims, generator: generator);
                parameter.copy_(KeptScalar.SubInPlace(KeptScalar.MulInPlace(uniform, 2 * bound), bound));
            }
            register_parameter(name, parameter);
        }
    }

    /// <summary>The codebook's parameter name.</summary>
    public const string CodebookName = "codebook";

    /// <summary>The image and network sizes.</summary>
    public VectorQuantizerShape Shape { get; }

    /// <summary>The codebook (K, D).</summary>
    public Parameter Codebook => P(CodebookName);

    /// <summary>Every parameter's name and shape, in the order of the state dict.</summary>
    public static IEnumerable<(string Name, long[] Shape)> LayerShapes(VectorQuantizerShape s)
    {
        long c = s.Channels, h = s.HiddenChannels, d = s.CodeDimension;
        for (int l = 0; l < s.DownsamplingLayers; l++)
        {
            yield return ($"enc{l}_weight", [h, l == 0 ? c : h, 4, 4]);
            yield return ($"enc{l}_bias", [h]);
        }
        yield return ("enc_mix_weight", [h, h, 3, 3]);
        yield return ("enc_mix_bias", [h]);
        yield return ("enc_out_weight", [d, h, 1, 1]);
        yield return ("enc_out_bias", [d]);
        yield return (CodebookName, [s.CodebookSize, d]);
        yield return ("dec_in_weight", [h, d, 3, 3]);
        yield return ("dec_in_bias", [h]);
        for (int l = 0; l < s.DownsamplingLayers; l++)
        {
            // Transposed convolutions store (in, out, kH, kW); the last one maps back to the image's channels.
            long output = l == s.DownsamplingLayers - 1 ? c : h;
            yield return ($"dec{l}_weight", [h, output, 4, 4]);
            yield return ($"dec{l}_bias", [output]);
        }
    }

    /// <summary>The tensors a saved network of <paramref name="shape"/> holds.</summary>
    public static IEnumerable<TensorSpec> ExpectedTensors(VectorQuantizerShape shape) =>
        LayerShapes(shape).Select(layer => new TensorSpec(layer.Name, "F32", layer.Shape));

    /// <summary>Encoder outputs (B, D, h, w) of images (B, C, H, W).</summary>
    public Tensor Encode(Tensor images)
    {
        var x = images;
        for (int l = 0; l < Shape.DownsamplingLayers; l++)
            x = F.relu(F.conv2d(x, P($"enc{l}_weight"), P($"enc{l}_bias"), strides: [2, 2], padding: [1, 1]));
        x = F.relu(F.conv2d(x, P("enc_mix_weight"), P("enc_mix_bias"), padding: [1, 1]));
        return F.conv2d(x, P("enc_out_weight"), P("enc_out_bias"));
    }

    /// <summary>The nearest code (zero-based) of each encoder output vector: (B, D, h, w) gives (B, h, w).</summary>
    public Tensor Assign(Tensor encoded)
    {
        using var scope = NewDisposeScope();
        long b = encoded.shape[0], gh = encoded.shape[2], gw = encoded.shape[3];
        var flat = encoded.permute(0, 2, 3, 1).reshape(-1, Shape.CodeDimension);              // (N, D)
        var codebook = Codebook.detach();
        // ‖z − e‖² = ‖z‖² − 2 z·e + ‖e‖²: one matrix product instead of an (N, K, D) difference tensor.
        var distances = KeptScalar.Add((flat * flat).sum(1, keepdim: true) - KeptScalar.Mul(flat.matmul(codebook.t()), 2), (codebook * codebook).sum(1));
        return distances.argmin(1).reshape(b, gh, gw).MoveToOuterDisposeScope();
    }

    /// <summary>The codebook vectors of codes (B, h, w), as (B, D, h, w).</summary>
    public Tensor Lookup(Tensor codes) =>
        Codebook.index_select(0, codes.flatten()).reshape(codes.shape[0], codes.shape[1], codes.shape[2], Shape.CodeDimension).permute(0, 3, 1, 2);

    /// <summary>Images (B, C, H, W) decoded from quantized vectors (B, D, h, w).</summary>
    public Tensor Decode(Tensor quantized)
    {
        var x = F.relu(F.conv2d(quantized, P("dec_in_weight"), P("dec_in_bias"), padding: [1, 1]));
        for (int l = 0; l < Shape.DownsamplingLayers; l++)
        {
            x = StrideTwoTransposedConvolution.Apply(x, P($"dec{l}_weight"), P($"dec{l}_bias"));
            if (l < Shape.DownsamplingLayers - 1) x = F.relu(x);
        }
        return x;
    }

    /// <summary>Encodes, quantizes with the straight-through estimator, and decodes images (B, C, H, W).</summary>
    public VectorQuantizerPass Forward(Tensor images)
    {
        var encoded = Encode(images);
        var codes = Assign(encoded);
        var quantized = Lookup(codes);
        // Forward: the codebook vector; backward: the identity onto the encoder output (straight through).
        var straightThrough = KeptScalar.Add(encoded, (quantized - encoded).detach());
        return new VectorQuantizerPass(Decode(straightThrough), encoded, quantized, codes);
    }

    // Looked up by name each time, never cached: moving the module to another device or dtype replaces its parameters.
    private Parameter P(string name) => get_parameter(name) ?? throw new InvalidOperationException($"The VQ-VAE has no parameter '{name}'.");

    // nn.Conv2d's default initialisation: uniform in ±1/√fan-in. A transposed convolution's fan-in is its input
    // channels (dimension 0) times the kernel.
    private static double KernelBound(string name, long[] shape)
    {
        bool transposed = name.StartsWith("dec", StringComparison.Ordinal) && name != "dec_in_weight";
        long fanIn = (transposed ? shape[0] : shape[1]) * shape[2] * shape[3];
        return 1 / Math.Sqrt(fanIn);
    }
}
