using ArML.Torch;
using ArML.Persistence;
using ArML.Trainers.Density;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ArML.Trainers.PixelCnn;

/// <summary>
/// Gated PixelCNN (van den Oord et al. 2016) over a vector read as an image: two stacks of gated convolutions, a
/// vertical stack that sees the rows above a pixel (its whole width within the kernel) and a horizontal stack that
/// sees the pixels to its left in the same row, joined by a 1×1 convolution from the vertical stack, shifted down one
/// row, into the horizontal one. Unlike plain stacked masked convolutions, the receptive field has no blind spot: every
/// pixel above (within the reach of the layers) and to the left counts.
/// </summary>
/// <remarks>
/// Masks are made by padding and shifting, never by zeroed weights: the vertical kernels are (k/2 + 1) × k, padded at
/// the top only, so row i sees rows i − k/2 … i; the horizontal kernels are 1 × (k/2 + 1), padded at the left only,
/// so column j sees j − k/2 … j (mask B), and the first layer shifts its input one column right first, so the pixel
/// itself is unseen (mask A). The vertical stack may see row i because it reaches the horizontal stack only shifted
/// down a row. Gates are tanh(a)·σ(b); every layer but the first adds its input back (residual). A pixel's channels
/// are generated one after another: channel c adds a masked linear term of channels 0 … c − 1 of the same pixel.
/// Each dimension has its own output bias (set to the data's marginals), on top of the shared 1×1 output layers.
/// </remarks>
internal sealed class PixelCnnNetwork : AutoregressiveNetwork
{
    private readonly PixelCnnConfig _shape;
    private readonly Parameter out_hidden_weight, out_hidden_bias, out_weight, output_bias;
    private readonly Parameter? channel_weight;
    private readonly Tensor? channel_visible;

    public PixelCnnNetwork(DensityModelConfig config) : base("pixelcnn", config)
    {
        _shape = config.PixelCnn ?? throw new ArgumentException("A PixelCNN needs its image shape.", nameof(config));
        int f = _shape.Filters, c = _shape.Channels, p = config.ParametersPerDimension;
        foreach (var (name, shape) in LayerShapes(_shape, InputChannels(config)))
        {
            // Biases start at zero; weights as nn.Conv2d initialises them (uniform in ±1/√fan-in).
            var parameter = shape.Length == 1 ? new Parameter(zeros(shape)) : Uniform(shape, shape[1] * shape[2] * shape[3]);
            register_parameter(name, parameter);
        }
        out_hidden_weight = Uniform([_shape.OutputHiddenSize, f, 1, 1], f);
        out_hidden_bias = new Parameter(zeros(_shape.OutputHiddenSize));
        out_weight = Uniform([c * p, _shape.OutputHiddenSize, 1, 1], _shape.OutputHiddenSize);
        output_bias = new Parameter(zeros(config.Dimension * p));
        register_parameter("out_hidden_weight", out_hidden_weight);
        register_parameter("out_hidden_bias", out_hidden_bias);
        register_parameter("out_weight", out_weight);
        register_parameter("output_bias", output_bias);
        if (c > 1)
        {
            channel_weight = new Parameter(zeros(c * p, c));
            register_parameter("channel_weight", channel_weight);
            // Output (c, k) sees channel c' of the same pixel iff c' < c; not saved: it follows from the shape.
            channel_visible = ones(c, c).tril(-1).repeat_interleave(p, dim: 0);
            register_buffer("channel_visible", channel_visible, persistent: false);
        }
    }

    /// <summary>The image shape and layers.</summary>
    public PixelCnnConfig Shape => _shape;

    // BFloat16: the convolutions and gates compute in bfloat16 from the float32 weights cast at each use (autograd
    // takes the gradients back to float32); the logits return to float32 before the output bias and the loss. On this
    // project's CPUs (AVX512-BF16) libtorch runs these small convolutions through oneDNN in bfloat16 and through its
    // slow reference kernel in float32 (contiguous): a training step measured 4-8x faster (bench: pixelcnn-step).
    private ScalarType _computeType = ScalarType.Float32;

    public override ScalarType ComputeType
    {
        get => _computeType;
        set => _computeType = value is ScalarType.Float32 or ScalarType.BFloat16
            ? value : throw new ArgumentOutOfRangeException(nameof(value), "A PixelCNN computes in Float32 or BFloat16.");
    }

    // The widest feature maps: a gated layer's 2F channels, padded by at most the first kernel on every side.
    public override long ActivationsPerRow =>
        Math.Max(Math.Max(2L * _shape.Filters, _shape.OutputHiddenSize), InputChannels(Config)) * (_shape.Height + _shape.FirstKernelSize) * (_shape.Width + _shape.FirstKernelSize);

    public override Tensor Conditionals(Tensor features, int mask)
    {
        if (mask != 0) throw new ArgumentOutOfRangeException(nameof(mask), "A PixelCNN has one ordering (mask 0).");
        long batch = features.shape[0];
        int h = _shape.Height, w = _shape.Width, c = _shape.Channels, p = ParametersPerDimension;
        using var scope = NewDisposeScope();
        var image = features.view(batch, h, w, c).permute(0, 3, 1, 2);                       // (B, C, H, W)
        Tensor vertical = ComputeLayout(_shape.OneHotInput ? OneHot(image, p) : image), horizontal = vertical;
        for (int l = 0; l < _shape.Layers; l++)
        {
            // A scope per layer frees its temporaries at once when no graph keeps them (scoring): a pass then holds
            // about one layer's maps, not every layer's.
            using var layerScope = NewDisposeScope();
            int k = l == 0 ? _shape.FirstKernelSize : _shape.KernelSize;
            var v = F.conv2d(F.pad(vertical, [k / 2, k / 2, k / 2, 0]), Layer("v_weight", l), Layer("v_bias", l));       // (B, 2F, H, W): rows ≤ i
            // Mask A: the first layer's horizontal input is shifted one column right, so column j sees only j' < j.
            var hInput = l == 0 ? Shift(horizontal, dimension: 3) : horizontal;
            var hPre = KeptScalar.Add(F.conv2d(F.pad(hInput, [k / 2, 0, 0, 0]), Layer("h_weight", l), Layer("h_bias", l)),
                                      F.conv2d(Shift(v, dimension: 2), Layer("vh_weight", l)));             // (B, 2F, H, W)
            var gated = F.conv2d(Gate(hPre), Layer("res_weight", l), Layer("res_bias", l));                                   // (B, F, H, W)
            horizontal = (l == 0 ? gated : KeptScalar.Add(horizontal, gated)).MoveToOuterDisposeScope();
            vertical = Gate(v).MoveToOuterDisposeScope();
        }
        var hidden = F.relu(F.conv2d(F.relu(horizontal), Cast(out_hidden_weight), Cast(out_hidden_bias)));
        // The last product in the weights' type: libtorch's bfloat16 convolution to one output map (C·P = 1) returned
        // gradients of its input near 1e35 in the backward pass (28 × 28, batch 32); the layer is cheap in float32.
        var logits = F.conv2d(hidden.to_type(out_weight.dtype), out_weight).permute(0, 2, 3, 1);               // (B, H, W, C·P)
        if (channel_weight is not null) logits = KeptScalar.Add(logits, F.linear(image.permute(0, 2, 3, 1), channel_weight * channel_visible!));
        var result = KeptScalar.Add(logits.reshape(batch, Dimension, p), output_bias.view(Dimension, p));                 // (B, D, P)
        return result.MoveToOuterDisposeScope();
    }

    public override void SetOutputBias(float[] bias) => CopyInto(output_bias, bias);

    /// <summary>The state dict of the network of shape <paramref name="config"/> (all F32).</summary>
    internal static IEnumerable<TensorSpec> ExpectedTensors(DensityModelConfig config)
    {
        var shape = config.PixelCnn!;
        int p = config.ParametersPerDimension;
        foreach (var (name, dims) in LayerShapes(shape, InputChannels(config))) yield return new(name, "F32", dims);
        yield return new("out_hidden_weight", "F32", [shape.OutputHiddenSize, shape.Filters, 1, 1]);
        yield return new("out_hidden_bias", "F32", [shape.OutputHiddenSize]);
        yield return new("out_weight", "F32", [shape.Channels * p, shape.OutputHiddenSize, 1, 1]);
        yield return new("output_bias", "F32", [(long)config.Dimension * p]);
        if (shape.Channels > 1) yield return new("channel_weight", "F32", [shape.Channels * p, shape.Channels]);
    }

    // The first layer's input maps: a pixel's values, or K indicator maps for each of them (one-hot input).
    private static long InputChannels(DensityModelConfig config) =>
        (long)config.PixelCnn!.Channels * (config.PixelCnn.OneHotInput ? config.ParametersPerDimension : 1);

    // Every gated layer's parameters, named "<role>_<layer>", with their shapes (out, in, kernel height, kernel width).
    private static IEnumerable<(string Name, long[] Shape)> LayerShapes(PixelCnnConfig shape, long inputChannels)
    {
        long f = shape.Filters;
        for (int l = 0; l < shape.Layers; l++)
        {
            long inputs = l == 0 ? inputChannels : f, k = l == 0 ? shape.FirstKernelSize : shape.KernelSize;
            yield return ($"v_weight_{l}", [2 * f, inputs, k / 2 + 1, k]);
            yield return ($"v_bias_{l}", [2 * f]);
            yield return ($"h_weight_{l}", [2 * f, inputs, 1, k / 2 + 1]);
            yield return ($"h_bias_{l}", [2 * f]);
            yield return ($"vh_weight_{l}", [2 * f, 2 * f, 1, 1]);
            yield return ($"res_weight_{l}", [f, f, 1, 1]);
            yield return ($"res_bias_{l}", [f]);
        }
    }

    // Looked up by name at each use, not kept in a field: moving the module to another device or type replaces them.
    private Tensor Layer(string role, int layer) => Cast(get_parameter($"{role}_{layer}")!);

    // The input in the compute type and layout. bfloat16: contiguous NCHW (channels-last measured slower in bfloat16).
    // Otherwise the weights' own type (float32, or float64 in tests), on the CPU stored channels-last (NHWC strides),
    // which the convolutions that follow keep and which takes them off libtorch's slow reference kernel (a float32
    // training step 2.4x faster, bench: pixelcnn-step).
    private Tensor ComputeLayout(Tensor image)
    {
        if (_computeType == ScalarType.BFloat16) return image.to_type(ScalarType.BFloat16).contiguous();
        return image.device_type == DeviceType.CPU ? image.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2) : image;
    }

    // (B, C, H, W) values scaled to [0, 1] → (B, C·K, H, W) indicators, channel c's K maps side by side; the scaling
    // is undone exactly (category / (K − 1) · (K − 1) rounds back to the category).
    private static Tensor OneHot(Tensor image, int categories)
    {
        var category = KeptScalar.Clamp(KeptScalar.Mul(image, categories - 1).round().to_type(ScalarType.Int64), 0, categories - 1);
        var indicators = F.one_hot(category, categories).to_type(image.dtype);                    // (B, C, H, W, K)
        long batch = image.shape[0], h = image.shape[2], w = image.shape[3];
        return indicators.permute(0, 1, 4, 2, 3).reshape(batch, -1, h, w);
    }

    private Tensor Cast(Tensor weight) => _computeType == ScalarType.BFloat16 ? weight.to_type(ScalarType.BFloat16) : weight;

    // tanh(a)·σ(b) over the two halves of the channels.
    private static Tensor Gate(Tensor x)
    {
        var halves = x.chunk(2, 1);
        return halves[0].tanh() * halves[1].sigmoid();
    }

    // Moves every value one step along dimension 2 (down a row) or 3 (right a column), filling with zeros.
    private static Tensor Shift(Tensor x, int dimension)
    {
        long length = x.shape[dimension];
        var padded = dimension == 2 ? F.pad(x, [0, 0, 1, 0]) : F.pad(x, [1, 0, 0, 0]);
        return padded.narrow(dimension, 0, length);
    }
}
