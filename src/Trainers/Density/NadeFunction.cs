using System.Buffers;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Trainers.Density;

/// <summary>
/// NADE's layer as a libtorch autograd function computed by <see cref="NadeKernel"/>: the parameters stay ordinary
/// torch parameters (the optimizer, checkpoints and persistence see nothing special) while the forward and
/// backward passes run as fused CPU loops.
/// </summary>
/// <remarks>
/// Arguments of <c>apply</c>: features (B, D), input weight (D, H), hidden bias (H), output weight (D·P, H), output
/// bias (D·P), all float32 on the CPU. Returns (B, D, P). Features get no gradient.
/// </remarks>
internal sealed class NadeFunction : autograd.SingleTensorFunction<NadeFunction>
{
    public override string Name => "NadeFunction";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (features, inputWeight, hiddenBias, outputWeight, outputBias) =
            ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3], (Tensor)vars[4]);
        ctx.save_for_backward([features, inputWeight, hiddenBias, outputWeight, outputBias]);
        var weights = Weights(inputWeight, hiddenBias, outputWeight, outputBias);
        var x = Rent(features);
        int batch = (int)features.shape[0];
        var outputs = ArrayPool<float>.Shared.Rent(batch * weights.OutputBiasLength);
        try
        {
            NadeKernel.Forward(weights, x, batch, outputs);
            return ToTensor(outputs, [batch, weights.Dimension, weights.Parameters]);
        }
        finally
        {
            weights.Return();
            ArrayPool<float>.Shared.Return(x);
            ArrayPool<float>.Shared.Return(outputs);
        }
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var saved = ctx.get_saved_variables();
        var weights = Weights(saved[1], saved[2], saved[3], saved[4]);
        var gradients = weights.RentLike();
        var x = Rent(saved[0]);
        var g = Rent(gradOutput);
        try
        {
            NadeKernel.Backward(weights, x, g, (int)saved[0].shape[0], gradients);
            return
            [
                null!,                                           // features: data, no gradient
                ToTensor(gradients.InputWeight, saved[1].shape),
                ToTensor(gradients.HiddenBias, saved[2].shape),
                ToTensor(gradients.OutputWeight, saved[3].shape),
                ToTensor(gradients.OutputBias, saved[4].shape),
            ];
        }
        finally
        {
            weights.Return();
            gradients.Return();
            ArrayPool<float>.Shared.Return(x);
            ArrayPool<float>.Shared.Return(g);
        }
    }

    private static NadeWeights Weights(Tensor inputWeight, Tensor hiddenBias, Tensor outputWeight, Tensor outputBias)
    {
        int d = (int)inputWeight.shape[0], h = (int)inputWeight.shape[1];
        return new NadeWeights(Rent(inputWeight), Rent(hiddenBias), Rent(outputWeight), Rent(outputBias), d, h, (int)(outputBias.shape[0] / d));
    }

    // A pooled copy of a float tensor's elements (the array may be longer).
    private static float[] Rent(Tensor t)
    {
        var array = ArrayPool<float>.Shared.Rent((int)t.numel());
        FloatTensors.CopyTo(t, array);
        return array;
    }

    private static Tensor ToTensor(float[] values, long[] shape) => FloatTensors.FromSpan(values, shape);
}
