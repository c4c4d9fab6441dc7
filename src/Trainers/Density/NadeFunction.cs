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
        int batch = (int)features.shape[0];
        var outputs = NadeKernel.Forward(weights, ToArray(features), batch);
        return tensor(outputs, [batch, weights.Dimension, weights.Parameters]);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var saved = ctx.get_saved_variables();
        var weights = Weights(saved[1], saved[2], saved[3], saved[4]);
        int batch = (int)saved[0].shape[0];
        var g = NadeKernel.Backward(weights, ToArray(saved[0]), ToArray(gradOutput), batch);
        return
        [
            null!,                                           // features: data, no gradient
            tensor(g.InputWeight, saved[1].shape),
            tensor(g.HiddenBias, saved[2].shape),
            tensor(g.OutputWeight, saved[3].shape),
            tensor(g.OutputBias, saved[4].shape),
        ];
    }

    private static NadeWeights Weights(Tensor inputWeight, Tensor hiddenBias, Tensor outputWeight, Tensor outputBias)
    {
        int d = (int)inputWeight.shape[0], h = (int)inputWeight.shape[1];
        return new NadeWeights(ToArray(inputWeight), ToArray(hiddenBias), ToArray(outputWeight), ToArray(outputBias),
            d, h, (int)(outputBias.shape[0] / d));
    }

    private static float[] ToArray(Tensor t)
    {
        using var dense = t.detach().contiguous();
        return dense.data<float>().ToArray();
    }
}
