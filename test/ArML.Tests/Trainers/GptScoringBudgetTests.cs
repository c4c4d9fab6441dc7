using ArML.Torch;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers;

/// <summary>
/// Scoring long rows within a memory budget: the windows a forward pass takes follow the documented formula, and the
/// scores equal one forward pass per window.
/// </summary>
public class GptScoringBudgetTests
{
    private const int Vocabulary = 30, Context = 16, Width = 16, Heads = 2;

    // Per-token tolerance between two float32 computations of the same log-probability (batched vs one window): each
    // logit goes through 2·layers + 1 matrix products with inner length ≤ 4·Width = 64, each within 64·u of the sum of
    // its terms' magnitudes (u = 2⁻²⁴ ≈ 6e-8), so ≈ 5·64·6e-8 ≈ 2e-5 relative to logits of magnitude ≲ 5 here; the
    // log-softmax at most doubles it.
    private const double Tolerance = 2e-4;

    /// <summary>A random model whose weights are scaled up so that predictions depend strongly on the context.</summary>
    private static GptLanguageModel RandomModel(PositionEncoding encoding = PositionEncoding.Learned)
    {
        var model = new GptModel(new GptConfig(Vocabulary, Context, LayerCount: 2, Heads, Width, 0, true, encoding), seed: 3);
        using (no_grad())
            foreach (var p in model.parameters().Where(p => p.dim() == 2)) KeptScalar.MulInPlace(p, 20);   // matrices: std 0.02 → 0.4
        return new GptLanguageModel(model, new TokenIdLayout(Vocabulary - 1, 0), CPU);
    }

    private static int[] Framed(int length, int seed)
    {
        var random = new Random(seed);
        var row = new int[length + 2];
        row[0] = row[^1] = Vocabulary - 1;                      // SEP t₁ … tₙ SEP
        for (int i = 1; i <= length; i++) row[i] = random.Next(Vocabulary - 1);
        return row;
    }

    private static double[] Score(GptLanguageModel lm, int[] framed, int stride)
    {
        var logProbabilities = new double[1][];
        lm.ScoreFramed([framed], [framed.Length], [1], stride, new double[1], new int[1], logProbabilities);
        return logProbabilities[0];
    }

    /// <summary>
    /// Log-probability of each target p ≥ 1, by one forward pass per window over framed[begin .. end − 1], with
    /// begin = the first multiple of the stride whose window (of at most Context inputs) reaches p, and log-softmax in
    /// float64.
    /// </summary>
    private static double[] PerWindowReference(GptLanguageModel lm, int[] framed, int stride)
    {
        int last = framed.Length - 1;
        var result = new double[last];
        using var noGrad = no_grad();
        int p = 1;
        while (p <= last)
        {
            int begin = p <= Context ? 0 : (p - Context + stride - 1) / stride * stride;
            int end = Math.Min(begin + Context, last);
            using var scope = NewDisposeScope();
            var ids = framed.Skip(begin).Take(end - begin).Select(id => (long)id).ToArray();
            var logits = lm.Model.call(tensor(ids, [1, ids.Length]))[0].to_type(ScalarType.Float64).data<double>().ToArray();
            for (; p <= end; p++)
            {
                var row = logits.AsSpan((p - 1 - begin) * Vocabulary, Vocabulary);
                double max = double.NegativeInfinity, sum = 0;
                foreach (double v in row) max = Math.Max(max, v);
                foreach (double v in row) sum += Math.Exp(v - max);
                result[p - 1] = row[framed[p]] - max - Math.Log(sum);
            }
        }
        return result;
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance, $"target {i + 1}: {actual[i]} vs {expected[i]}");
    }

    [Theory]
    [InlineData(20_000, 16, PositionEncoding.Learned)]
    [InlineData(2_000, 8, PositionEncoding.Rotary)]
    [InlineData(600, 1, PositionEncoding.Learned)]
    public void ALongRowUnderASmallBudgetScoresAsOneForwardPassPerWindow(int length, int stride, PositionEncoding encoding)
    {
        using var lm = RandomModel(encoding);
        lm.ScoringMemoryBudget = 256 << 10;              // a few dozen windows per pass
        int passes = 0;
        lm.ForwardPassObserver = (_, _) => passes++;
        var framed = Framed(length, seed: length + stride);
        var scores = Score(lm, framed, stride);
        Assert.True(passes > 10, $"{passes} passes");
        AssertClose(PerWindowReference(lm, framed, stride), scores);
    }

    [Fact]
    public void TheBudgetDoesNotChangeTheScores()
    {
        using var lm = RandomModel();
        var framed = Framed(500, seed: 9);
        lm.ScoringMemoryBudget = long.MaxValue;          // every window in one pass
        var unbounded = Score(lm, framed, 4);
        lm.ScoringMemoryBudget = 1;                      // one window per pass
        AssertClose(unbounded, Score(lm, framed, 4));
    }

    [Theory]
    [InlineData(64 << 10, 8)]
    [InlineData(1 << 20, 1)]
    [InlineData(1, 16)]
    public void EveryForwardPassTakesAsManyWindowsAsTheBudgetAllows(int budget, int stride)
    {
        using var lm = RandomModel();
        lm.ScoringMemoryBudget = budget;
        var passes = new List<(int Windows, int Length)>();
        lm.ForwardPassObserver = (windows, length) => passes.Add((windows, length));
        int[][] rows = [Framed(5, 1), Framed(1_500, 2), Framed(40, 3), Framed(500, 4)];
        lm.ScoreFramed(rows, rows.Select(r => r.Length).ToArray(), [1, 1, 1, 1], stride, new double[4], new int[4]);

        // The documented formula, for this model (C = 16, 2 heads, V = 30, learned positions), per position of a window of T inputs.
        static long BytesPerPosition(int t) => 4L * (15 * Width + Heads * (2 * t + 1) + 2 * Vocabulary + 3) + 48;
        Assert.Equal(1524, BytesPerPosition(Context));
        Assert.Equal(BytesPerPosition(Context), GptScoringBudget.BytesPerPosition(lm.Model.Config, Context));

        var planned = new List<ScoringWindow>();
        for (int r = 0; r < rows.Length; r++) ScoringWindow.Plan(r, rows[r].Length, 1, Context, stride, planned);
        Assert.Equal(planned.Count, passes.Sum(p => p.Windows));
        int full = (int)Math.Max(1, budget / (Context * BytesPerPosition(Context)));   // windows of a full context per pass
        for (int i = 0; i < passes.Count; i++)
        {
            var (windows, length) = passes[i];
            Assert.True(windows == 1 || (long)windows * length * BytesPerPosition(length) <= budget, $"pass {i}: {windows} × {length}");
            if (length == Context && i < passes.Count - 1) Assert.Equal(full, windows);
        }
    }

    [Fact]
    public void TheBudgetMustBePositive()
    {
        using var lm = RandomModel();
        Assert.Equal(256L << 20, lm.ScoringMemoryBudget);
        Assert.Throws<ArgumentOutOfRangeException>(() => lm.ScoringMemoryBudget = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => lm.ScoringMemoryBudget = -1);
    }
}
