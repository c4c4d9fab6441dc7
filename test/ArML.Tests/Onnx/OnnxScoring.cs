using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace ArML.Tests.Onnx;

/// <summary>Runs an exported scoring graph with ONNX Runtime on framed rows, padded to one length.</summary>
internal static class OnnxScoring
{
    public sealed record Result(double[] LogLikelihoods, long[] TokenCounts, double[] Perplexities, float[][] TokenLogProbabilities, float[][] Logits);

    /// <param name="leftPad">Pads at the start of each row instead of its end (the graph takes either).</param>
    public static Result Run(string path, IReadOnlyList<int[]> framed, int padId, bool leftPad = false)
    {
        using var session = new InferenceSession(path);
        int batch = framed.Count, length = framed.Max(f => f.Length);
        var ids = new DenseTensor<long>([batch, length]);
        var mask = new DenseTensor<long>([batch, length]);
        for (int r = 0; r < batch; r++)
        {
            int offset = leftPad ? length - framed[r].Length : 0;
            for (int j = 0; j < length; j++) ids[r, j] = padId;
            for (int j = 0; j < framed[r].Length; j++)
            {
                ids[r, offset + j] = framed[r][j];
                mask[r, offset + j] = 1;
            }
        }
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input_ids", ids), NamedOnnxValue.CreateFromTensor("attention_mask", mask)]);
        var byName = results.ToDictionary(r => r.Name);
        var ll = byName["log_likelihood"].AsTensor<double>().ToArray();
        var counts = byName["token_count"].AsTensor<long>().ToArray();
        var perplexities = byName["perplexity"].AsTensor<double>().ToArray();
        var tokens = byName["token_log_probabilities"].AsTensor<float>();
        var logits = byName["logits"].AsTensor<float>();
        int vocabulary = logits.Dimensions[2];
        var perToken = new float[batch][];
        var rowLogits = new float[batch][];
        for (int r = 0; r < batch; r++)
        {
            // The row's own positions, in order, without the padding.
            int offset = leftPad ? length - framed[r].Length : 0, n = framed[r].Length - 1;
            perToken[r] = Enumerable.Range(offset, n).Select(j => tokens[r, j]).ToArray();
            rowLogits[r] = Enumerable.Range(offset, n).SelectMany(j => Enumerable.Range(0, vocabulary).Select(v => logits[r, j, v])).ToArray();
        }
        return new Result(ll, counts, perplexities, perToken, rowLogits);
    }
}
