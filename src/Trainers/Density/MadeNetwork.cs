using ArML.Torch;
using ArML.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ArML.Trainers.Density;

/// <summary>
/// Masked autoencoder for distribution estimation (Germain et al. 2015): a ReLU feed-forward network whose weight
/// matrices are multiplied by binary masks so that the outputs of dimension i see only the inputs before i in an
/// ordering. Each mask m is defined by degrees: input dimension d has degree 1 + its position in the ordering,
/// every hidden unit a degree drawn uniformly from [min of the previous layer's degrees, D − 1]; a unit sees the
/// units of the previous layer with degree ≤ its own, and an output of degree k sees hidden units of degree &lt; k.
/// </summary>
/// <remarks>
/// With several masks, training picks one per step (connectivity-agnostic training) and test-time likelihoods
/// average the probability over all of them. The degrees are buffers saved with the model, so a loaded model has
/// exactly the trained masks. Optional direct input-to-output connections are masked by the ordering alone.
/// </remarks>
internal sealed class MadeNetwork : AutoregressiveNetwork
{
    private readonly Parameter[] _hiddenWeights;
    private readonly Parameter[] _hiddenBiases;
    private readonly Tensor[] _hiddenDegrees;      // layer l: (N, H_l) int64
    private readonly Tensor input_degrees;          // (N, D) int64, 1-based position in the ordering
    private readonly Parameter output_weight;
    private readonly Parameter output_bias;
    private readonly Parameter? direct_weight;

    public MadeNetwork(DensityModelConfig config, long seed) : base("made", config)
    {
        int d = config.Dimension, p = config.ParametersPerDimension, n = config.MaskCount;
        var sizes = config.HiddenSizes;
        var random = new TrainingRandom(seed);
        var inputDegrees = new long[n * d];
        var hiddenDegrees = sizes.Select(h => new long[n * h]).ToArray();
        for (int m = 0; m < n; m++)
        {
            var order = Enumerable.Range(0, d).ToArray();
            if (config.ResampleOrderings)
                for (int i = d - 1; i > 0; i--)
                {
                    int j = (int)random.NextInt64(i + 1);
                    (order[i], order[j]) = (order[j], order[i]);
                }
            for (int position = 0; position < d; position++) inputDegrees[m * d + order[position]] = position + 1;
            long previousMin = 1;
            for (int l = 0; l < sizes.Length; l++)
            {
                long low = previousMin, high = Math.Max(low, d - 1);
                long min = long.MaxValue;
                for (int k = 0; k < sizes[l]; k++)
                {
                    long degree = low + random.NextInt64(high - low + 1);
                    hiddenDegrees[l][m * sizes[l] + k] = degree;
                    min = Math.Min(min, degree);
                }
                previousMin = min;
            }
        }

        input_degrees = tensor(inputDegrees, [n, d]);
        register_buffer("input_degrees", input_degrees);
        _hiddenWeights = new Parameter[sizes.Length];
        _hiddenBiases = new Parameter[sizes.Length];
        _hiddenDegrees = new Tensor[sizes.Length];
        long fanIn = d;
        for (int l = 0; l < sizes.Length; l++)
        {
            _hiddenWeights[l] = Uniform([sizes[l], fanIn], fanIn);
            _hiddenBiases[l] = new Parameter(zeros(sizes[l]));
            _hiddenDegrees[l] = tensor(hiddenDegrees[l], [n, sizes[l]]);
            register_parameter($"hidden_weight_{l}", _hiddenWeights[l]);
            register_parameter($"hidden_bias_{l}", _hiddenBiases[l]);
            register_buffer($"hidden_degrees_{l}", _hiddenDegrees[l]);
            fanIn = sizes[l];
        }
        output_weight = Uniform([d * p, fanIn], fanIn);
        output_bias = new Parameter(zeros(d * p));
        register_parameter("output_weight", output_weight);
        register_parameter("output_bias", output_bias);
        if (config.DirectConnections)
        {
            direct_weight = new Parameter(zeros(d * p, d));
            register_parameter("direct_weight", direct_weight);
        }
    }

    public override int MaskCount => Config.MaskCount;

    // Read from the degree buffers (not the generator) so that a loaded model reports its saved orderings.
    public override int[] Ordering(int mask)
    {
        CheckMask(mask);
        using var noGrad = no_grad();
        var degrees = input_degrees[mask].cpu().data<long>().ToArray();
        return Enumerable.Range(0, Dimension).OrderBy(i => degrees[i]).ToArray();
    }

    public override Tensor Conditionals(Tensor features, int mask)
    {
        CheckMask(mask);
        var inputDegree = input_degrees[mask];                                         // (D)
        var previous = inputDegree;
        var x = features;
        for (int l = 0; l < _hiddenWeights.Length; l++)
        {
            var degree = _hiddenDegrees[l][mask];                                      // (H_l)
            var connect = degree.unsqueeze(1).ge(previous.unsqueeze(0)).to_type(features.dtype);   // (H_l, fan-in)
            x = F.relu(F.linear(x, _hiddenWeights[l] * connect, _hiddenBiases[l]));
            previous = degree;
        }
        int p = ParametersPerDimension;
        var outputConnect = inputDegree.unsqueeze(1).gt(previous.unsqueeze(0)).to_type(features.dtype).repeat_interleave(p, dim: 0);
        var outputs = F.linear(x, output_weight * outputConnect, output_bias);          // (B, D·P)
        if (direct_weight is not null)
        {
            var directConnect = inputDegree.unsqueeze(1).gt(inputDegree.unsqueeze(0)).to_type(features.dtype).repeat_interleave(p, dim: 0);
            outputs = KeptScalar.Add(outputs, F.linear(features, direct_weight * directConnect));
        }
        return outputs.view(features.shape[0], Dimension, p);
    }

    public override void SetOutputBias(float[] bias) => CopyInto(output_bias, bias);

    private void CheckMask(int mask)
    {
        if (mask < 0 || mask >= MaskCount) throw new ArgumentOutOfRangeException(nameof(mask), $"Mask {mask} is outside 0..{MaskCount - 1}.");
    }
}
