using ArML.Tests.Support;
using ArML.Torch;
using ArML.Trainers;
using ArML.Trainers.Lstm;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers;

/// <summary>
/// LSTM scores against an independent float64 computation of the same weights: whatever kernel libtorch picks on
/// this CPU, and whether rows are scored alone (a PredictionEngine), side by side with rows of other lengths (a
/// Transform batch) or in pieces, each row's score is the reference's within float32 rounding.
/// </summary>
public class LstmNumericsTests
{
    private const int Vocabulary = 23;

    // 12, 16, 48 and 100 are widths where libtorch's oneDNN LSTM kernel was off by up to 0.17 on an AVX-512 EPYC; 64 was not.
    [Theory]
    [InlineData(12)]
    [InlineData(16)]
    [InlineData(48)]
    [InlineData(64)]
    [InlineData(100)]
    public void RowsOfMixedLengthsScoreAsAFloat64ReferenceAloneBatchedAndInPieces(int width)
    {
        var ids = new TokenIdLayout(Vocabulary - 1, 0);
        using var lm = RandomLstm(ids, width);
        var random = new Random(width);
        var rows = new[] { 0, 70, 1, 17, 5, 44, 3, 29 }.Select(n => Enumerable.Range(0, n).Select(_ => random.Next(Vocabulary - 1)).ToArray()).ToArray();
        var framed = rows.Select(r => { var f = new List<int>(); ids.Frame([], r, f); return f.ToArray(); }).ToArray();
        var lengths = framed.Select(f => f.Length).ToArray();
        var firsts = new int[rows.Length];
        Array.Fill(firsts, 1);

        var batched = Score(lm, framed, lengths, firsts);
        var pieces = Score(new LstmLanguageModel(lm.Model, ids, CPU) { MaxPiece = 7 }, framed, lengths, firsts);
        for (int i = 0; i < rows.Length; i++)
        {
            double reference = Float64Reference(lm.Model, framed[i]);
            double alone = Score(lm, [framed[i]], [lengths[i]], [1])[0];
            double tolerance = Float32Rounding.RowScore(lengths[i] - 1, reference, width + width, Vocabulary);
            Assert.True(Math.Abs(alone - reference) <= tolerance, $"row {i} alone: {alone} vs float64 {reference} (tolerance {tolerance:E1})");
            Assert.True(Math.Abs(batched[i] - reference) <= tolerance, $"row {i} batched: {batched[i]} vs float64 {reference} (tolerance {tolerance:E1})");
            Assert.True(Math.Abs(pieces[i] - reference) <= tolerance, $"row {i} in pieces: {pieces[i]} vs float64 {reference} (tolerance {tolerance:E1})");
        }
    }

    /// <summary>An untrained two-layer LSTM with spread-out embeddings (confident, varied predictions) and a random output bias.</summary>
    internal static LstmLanguageModel RandomLstm(TokenIdLayout ids, int width)
    {
        TorchRuntime.EnsureInitialized();
        torch.manual_seed(width);
        var network = new LstmModel(new LstmConfig(ids.Size, RecurrentCell.Lstm, 2, width, width, 0));
        using (no_grad())
        {
            var weights = network.state_dict();
            KeptScalar.MulInPlace(weights["wte.weight"], 8);
            weights["lm_bias"].uniform_(-1, 1);
        }
        return new LstmLanguageModel(network, ids, CPU);
    }

    private static double[] Score(LstmLanguageModel lm, int[][] framed, int[] lengths, int[] firsts)
    {
        var ll = new double[framed.Length];
        lm.ScoreFramed(framed, lengths, firsts, 1, ll, new int[framed.Length]);
        return ll;
    }

    /// <summary>The log-likelihood of a framed row's targets, by the LSTM equations in float64, one position at a time.</summary>
    internal static double Float64Reference(LstmModel network, int[] framed)
    {
        var w = network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().to_type(ScalarType.Float64).contiguous().data<double>().ToArray());
        var config = network.Config;
        int h = config.HiddenSize, e = config.EmbeddingSize, layers = config.LayerCount, v = config.VocabularySize;
        var hidden = new double[layers][];
        var cells = new double[layers][];
        for (int l = 0; l < layers; l++) (hidden[l], cells[l]) = (new double[h], new double[h]);
        double total = 0;
        for (int p = 0; p + 1 < framed.Length; p++)
        {
            var x = w["wte.weight"].AsSpan(framed[p] * e, e).ToArray();
            for (int l = 0; l < layers; l++)
            {
                var (wi, wh, bi, bh) = (w[$"rnn.weight_ih_l{l}"], w[$"rnn.weight_hh_l{l}"], w[$"rnn.bias_ih_l{l}"], w[$"rnn.bias_hh_l{l}"]);
                var gates = new double[4 * h];
                for (int k = 0; k < 4 * h; k++)
                {
                    double sum = bi[k] + bh[k];
                    for (int j = 0; j < x.Length; j++) sum += wi[k * x.Length + j] * x[j];
                    for (int j = 0; j < h; j++) sum += wh[k * h + j] * hidden[l][j];
                    gates[k] = sum;
                }
                for (int j = 0; j < h; j++)
                {
                    double input = Sigmoid(gates[j]), forget = Sigmoid(gates[h + j]), candidate = Math.Tanh(gates[2 * h + j]), output = Sigmoid(gates[3 * h + j]);
                    cells[l][j] = forget * cells[l][j] + input * candidate;
                    hidden[l][j] = output * Math.Tanh(cells[l][j]);
                }
                x = (double[])hidden[l].Clone();
            }
            var logits = new double[v];
            for (int t = 0; t < v; t++)
            {
                double sum = w["lm_bias"][t];
                for (int j = 0; j < h; j++) sum += w["wte.weight"][t * e + j] * x[j];
                logits[t] = sum;
            }
            double max = logits.Max();
            total += logits[framed[p + 1]] - max - Math.Log(logits.Sum(z => Math.Exp(z - max)));
        }
        return total;
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));
}
