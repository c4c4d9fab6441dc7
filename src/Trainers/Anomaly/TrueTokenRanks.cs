using ArML.Torch;
using static TorchSharp.torch;

namespace ArML.Trainers;

/// <summary>The rank of each true token under a network's predicted distribution (DeepLog's top-g rule reads it).</summary>
internal static class TrueTokenRanks
{
    /// <summary>
    /// 1 + the number of predictable ids (the tokens and the separator; condition ids are context only, never
    /// predicted) whose log-probability is strictly above the true token's, so tied ids share the better rank.
    /// </summary>
    /// <param name="logProbabilities">Log-probabilities, (…, V).</param>
    /// <param name="picked">The true token's log-probability gathered from them, (…, 1).</param>
    /// <param name="layout">The id layout.</param>
    /// <returns>The ranks, flattened row-major over the leading dimensions.</returns>
    public static int[] Of(Tensor logProbabilities, Tensor picked, TokenIdLayout layout)
    {
        var predictable = logProbabilities.narrow(-1, 0, layout.Separator + 1);
        var above = predictable.gt(picked).sum(-1);   // int64
        return KeptScalar.Add(above, 1).to_type(ScalarType.Int32).cpu().data<int>().ToArray();
    }
}
