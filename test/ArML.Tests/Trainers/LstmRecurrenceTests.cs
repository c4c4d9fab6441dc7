using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Lstm;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers;

/// <summary>
/// The evaluation recurrence scoring uses (<see cref="LstmRecurrence"/>) against the LSTM equations in float64: its
/// hidden states step by step, at widths that fill its 64-row blocks exactly, partly or not at all, and whole-row
/// scores through the model next to libtorch's packed-sequence path, alone, batched and over many pieces.
/// </summary>
public class LstmRecurrenceTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(12)]
    [InlineData(16)]
    [InlineData(33)]
    [InlineData(48)]
    [InlineData(100)]
    [InlineData(256)]
    public void HiddenStatesEqualTheFloat64CellEquations(int width)
    {
        const int steps = 40;
        var random = new Random(width);
        float[] Uniform(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale)).ToArray();
        var weights = Uniform(4 * width * width, 1 / Math.Sqrt(width));   // libtorch's initial range, U(−1/√H, 1/√H)
        var inputGates = Uniform(steps * 4 * width, 2);
        float[] h = Uniform(width, 1), c = Uniform(width, 1);
        var (h64, c64) = (h.Select(v => (double)v).ToArray(), c.Select(v => (double)v).ToArray());
        var outputs = new float[steps * width];
        double largest = 0;

        new LstmRecurrence(weights, width).Run(inputGates, steps, h, c, outputs);

        for (int t = 0; t < steps; t++)
        {
            // The gates sum width + 1 products of magnitude up to |input gate| + Σ|W·h|; the cell carries errors of earlier steps.
            double magnitude = 0;
            var gates = new double[4 * width];
            for (int k = 0; k < 4 * width; k++)
            {
                double sum = inputGates[t * 4 * width + k], size = Math.Abs(sum);
                for (int j = 0; j < width; j++)
                {
                    sum += weights[k * width + j] * h64[j];
                    size += Math.Abs(weights[k * width + j] * h64[j]);
                }
                (gates[k], magnitude) = (sum, Math.Max(magnitude, size));
            }
            largest = Math.Max(largest, magnitude);
            for (int j = 0; j < width; j++)
            {
                double input = Sigmoid(gates[j]), forget = Sigmoid(gates[width + j]), candidate = Math.Tanh(gates[2 * width + j]), output = Sigmoid(gates[3 * width + j]);
                c64[j] = forget * c64[j] + input * candidate;
                h64[j] = output * Math.Tanh(c64[j]);
            }
            double tolerance = Float32Rounding.Sum(t + 1, width + 1, magnitude);
            for (int j = 0; j < width; j++)
                Assert.True(Math.Abs(outputs[t * width + j] - h64[j]) <= tolerance,
                    $"step {t} unit {j}: {outputs[t * width + j]} vs float64 {h64[j]} (tolerance {tolerance:E1})");
        }
        double last = Float32Rounding.Sum(steps, width + 1, largest);
        for (int j = 0; j < width; j++)
        {
            Assert.Equal(outputs[(steps - 1) * width + j], h[j]);   // the state after the piece is its last output
            Assert.True(Math.Abs(c[j] - c64[j]) <= last, $"cell {j}: {c[j]} vs float64 {c64[j]}");
        }
    }

    // Widths where oneDNN's LSTM kernel was wrong on an AVX-512 EPYC (1, 33), and the default width (256).
    [Theory]
    [InlineData(1)]
    [InlineData(33)]
    [InlineData(256)]
    public void RowScoresEqualTheFloat64ReferenceAndLibtorchsPackedLstm(int width)
    {
        var ids = new TokenIdLayout(22, 0);
        using var lm = LstmNumericsTests.RandomLstm(ids, width);
        var random = new Random(width);
        var framed = new[] { 90, 3, 41 }.Select(n =>
        {
            var f = new List<int>();
            ids.Frame([], Enumerable.Range(0, n).Select(_ => random.Next(22)).ToArray(), f);
            return f.ToArray();
        }).ToArray();
        var lengths = framed.Select(f => f.Length).ToArray();
        // Batched, the first layer's gates come from the per-token table (23 ids, 3 × 91 positions); a short row alone
        // projects its positions (4 positions < 2 × 23).
        var recurrence = Score(lm, framed, lengths);
        var alone = framed.Select((f, i) => Score(lm, [f], [lengths[i]])[0]).ToArray();
        lm.Model.LibtorchRecurrence = true;
        var libtorch = Score(lm, framed, lengths);
        for (int i = 0; i < framed.Length; i++)
        {
            double reference = LstmNumericsTests.Float64Reference(lm.Model, framed[i]);
            double tolerance = Float32Rounding.RowScore(lengths[i] - 1, reference, width + width, ids.Size);
            Assert.True(Math.Abs(recurrence[i] - reference) <= tolerance, $"row {i}: {recurrence[i]} vs float64 {reference} (tolerance {tolerance:E1})");
            Assert.True(Math.Abs(alone[i] - reference) <= tolerance, $"row {i} alone: {alone[i]} vs float64 {reference} (tolerance {tolerance:E1})");
            Assert.True(Math.Abs(libtorch[i] - reference) <= tolerance, $"row {i} (libtorch): {libtorch[i]} vs float64 {reference} (tolerance {tolerance:E1})");
        }
    }

    [Fact]
    public void ALongRowReadInManyPiecesScoresAsTheFloat64Reference()
    {
        // 20,001 positions in pieces of 1,500: the state crosses 13 piece boundaries.
        var ids = new TokenIdLayout(22, 0);
        using var whole = LstmNumericsTests.RandomLstm(ids, 16);
        var lm = new LstmLanguageModel(whole.Model, ids, CPU) { MaxPiece = 1500 };   // the same network, disposed once
        var random = new Random(3);
        var framed = new List<int>();
        ids.Frame([], Enumerable.Range(0, 20_000).Select(_ => random.Next(22)).ToArray(), framed);
        double score = Score(lm, [framed.ToArray()], [framed.Count])[0];
        double reference = LstmNumericsTests.Float64Reference(lm.Model, framed.ToArray());
        double tolerance = Float32Rounding.RowScore(framed.Count - 1, reference, 32, ids.Size);
        Assert.True(Math.Abs(score - reference) <= tolerance, $"{score} vs float64 {reference} (tolerance {tolerance:E1})");
    }

    private static double[] Score(LstmLanguageModel lm, int[][] framed, int[] lengths)
    {
        var ll = new double[framed.Length];
        lm.ScoreFramed(framed, lengths, Enumerable.Repeat(1, framed.Length).ToArray(), 1, ll, new int[framed.Length]);
        return ll;
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));
}
