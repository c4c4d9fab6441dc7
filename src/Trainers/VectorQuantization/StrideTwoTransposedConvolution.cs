using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ArML.Trainers.VectorQuantization;

/// <summary>
/// The decoder's upsampling, a transposed convolution with a 4 × 4 kernel, stride 2 and padding 1, computed as one
/// ordinary 3 × 3 convolution to four output phases followed by a pixel shuffle.
/// </summary>
/// <remarks>
/// libtorch 2.10's CPU <c>conv_transpose2d</c> returns wrong values, different from one call to the next, for one
/// output channel on a 4 × 4 input (to 8 × 8): one stride phase of the output (12 of 64 pixels) came out wrong in 21
/// to 40 of 40 random trials, with batches of 1 or 16 and one or two threads, so an 8 × 8 grey image decoded
/// differently each time and trained on wrong outputs. 7 × 7 inputs, and 3 or 8 output channels, came out right; the
/// failure is not documented (likely the oneDNN deconvolution libtorch picks for 4 × 4 kernels), so the decoder avoids
/// that kernel altogether. Output pixel 2i + a (a = 0, 1) of a stride-2 transposed convolution with padding 1 reads
/// only inputs i − 1, i, i + 1: phase 0 takes kernel taps 3 and 1 from inputs i − 1 and i, phase 1 takes taps 2 and 0
/// from inputs i and i + 1. Gathering those taps (zero where a phase reads nothing) into a (4·Cout, Cin, 3, 3) kernel
/// gives every phase from one padded convolution; the pixel shuffle then interleaves the phases. The parameter keeps
/// the transposed layout (Cin, Cout, 4, 4), so saved files are unchanged, and gradients reach it through the gather.
/// </remarks>
internal static class StrideTwoTransposedConvolution
{
    // Per phase a (rows of 3: input offsets −1, 0, +1) the kernel tap read; 4 is the zero tap padded onto the kernel.
    private static readonly long[] Taps = [3, 1, 4, 4, 2, 0];

    /// <summary>Transposed convolution of <paramref name="input"/> (B, Cin, h, w) to (B, Cout, 2h, 2w).</summary>
    /// <param name="input">Feature maps (B, Cin, h, w).</param>
    /// <param name="weight">The kernel in transposed layout (Cin, Cout, 4, 4).</param>
    /// <param name="bias">One value per output channel (Cout).</param>
    public static Tensor Apply(Tensor input, Tensor weight, Tensor bias)
    {
        using var scope = NewDisposeScope();
        long inputs = weight.shape[0], outputs = weight.shape[1];
        var taps = tensor(Taps, device: weight.device);
        var padded = F.pad(weight, [0, 1, 0, 1]);                                          // (Cin, Cout, 5, 5), last tap zero
        var phases = padded.index_select(2, taps).index_select(3, taps)                     // (Cin, Cout, 2·3, 2·3)
            .reshape(inputs, outputs, 2, 3, 2, 3)                                           // (Cin, Cout, a, dy, b, dx)
            .permute(1, 2, 4, 0, 3, 5)                                                      // (Cout, a, b, Cin, dy, dx)
            .reshape(outputs * 4, inputs, 3, 3);
        // Channel c·4 + a·2 + b holds phase (a, b) of output channel c: the order pixel_shuffle interleaves.
        var y = F.conv2d(input, phases, bias.repeat_interleave(4), padding: [1, 1]);       // (B, 4·Cout, h, w)
        return F.pixel_shuffle(y, 2).MoveToOuterDisposeScope();                             // (B, Cout, 2h, 2w)
    }
}
