using ArML.Tests.Support;
using ArML.Tests.Trainers.Generation;
using ArML.Torch;
using ArML.Trainers;
using ArML.Trainers.Baseline;
using ArML.Trainers.Generation;
using ArML.Trainers.Lstm;
using ArML.Trainers.WaveNet;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers;

/// <summary>
/// Step decoding of the stateful families (LSTM, GRU, linear baseline, WaveNet): the carried state against a float64 copy
/// of the network that re-reads every row whole at each step (a WaveNet only its receptive field, shorter than the
/// rows here), and against the family's own scoring path.
/// </summary>
public class StatefulStepDecodingTests
{
    private const int Tokens = 6;

    // Widths where libtorch's oneDNN LSTM kernel returned wrong hidden states on an AVX-512 CPU (12, 16, 48, 100 among them):
    // the cached path reads one step with the cell equations, scoring reads packed sequences; both must agree with float64.
    [Theory]
    [InlineData("lstm", 16)]
    [InlineData("lstm", 48)]
    [InlineData("gru", 12)]
    [InlineData("baseline", 16)]
    [InlineData("wavenet", 16)]
    public void CachedStepsEqualAFloat64RecomputationAndTheScoringPathAtEveryStep(string family, int width)
    {
        using var lm = Build(family, width, ScalarType.Float32);
        using var reference = Build(family, width, ScalarType.Float64);
        var model = (IStepDecodingModel)lm;
        int v = model.LogitCount;
        int[][] prompts = [[], [0, 1, 2, 3, 4, 5, 0, 1], [3]];
        var rows = prompts.Select(p => model.BeginRow(p, null).ToList()).ToList();
        var firstGenerated = rows.Select(r => r.Count).ToList();
        var stepLogProbabilities = rows.Select(_ => new List<double>()).ToList();   // the cached decoder's, of each appended id
        using var cached = model.CreateDecoder();
        using var recomputed = ((IStepDecodingModel)reference).CreateDecoder(StepDecoderMode.Recompute);
        var a = new float[4 * v];
        var b = new float[4 * v];
        cached.Prefill(rows, a);
        recomputed.Prefill(rows, b);
        var random = new Random(5);
        double spread = 0;
        for (int step = 0; step < 16; step++)
        {
            for (int r = 0; r < rows.Count; r++)
            {
                // Errors of float32 dot products of length `width`, carried by the state over the row so far.
                double magnitude = b.AsSpan(r * v, v).ToArray().Max(x => Math.Abs(x)) + Math.Log(v);
                double tolerance = Float32Rounding.Sum(rows[r].Count, width, magnitude);
                for (int i = 0; i < v; i++)
                    Assert.True(Math.Abs(a[r * v + i] - b[r * v + i]) <= tolerance,
                        $"step {step}, row {r}, id {i}: cached {a[r * v + i]}, float64 recomputation {b[r * v + i]} (tolerance {tolerance:E2})");
                spread = Math.Max(spread, b.AsSpan(r * v, v).ToArray().Max() - b.AsSpan(r * v, v).ToArray().Min());
            }
            if (step == 6)
            {
                // Beam search's reordering: rows dropped, repeated and permuted.
                int[] pick = [2, 0, 0, 1];
                cached.Select(pick);
                recomputed.Select(pick);
                Reorder(a, pick, v);
                Reorder(b, pick, v);
                rows = pick.Select(r => new List<int>(rows[r])).ToList();
                firstGenerated = pick.Select(r => firstGenerated[r]).ToList();
                stepLogProbabilities = pick.Select(r => new List<double>(stepLogProbabilities[r])).ToList();
            }
            var ids = rows.Select(_ => random.Next(Tokens + 1)).ToArray();   // tokens and the separator, which a stateful row reads on
            for (int r = 0; r < rows.Count; r++)
            {
                stepLogProbabilities[r].Add(LogSoftmax(a.AsSpan(r * v, v), ids[r]));
                rows[r].Add(ids[r]);
            }
            cached.Append(ids, a);
            recomputed.Append(ids, b);
        }
        Assert.True(spread > 0.5, $"the logits must differ between ids for the comparison to mean anything (spread {spread})");

        // The scoring path: rows read whole, packed on the CPU for an LSTM.
        var framed = rows.Select(r => r.ToArray()).ToArray();
        var logLikelihoods = new double[rows.Count];
        var counts = new int[rows.Count];
        var perToken = new double[rows.Count][];
        lm.ScoreFramed(framed, framed.Select(f => f.Length).ToArray(), firstGenerated, 1, logLikelihoods, counts, perToken);
        for (int r = 0; r < rows.Count; r++)
        {
            Assert.Equal(stepLogProbabilities[r].Count, counts[r]);
            for (int j = 0; j < counts[r]; j++)
            {
                double tolerance = Float32Rounding.Sum(firstGenerated[r] + j, width, Math.Abs(perToken[r][j]) + Math.Log(v));
                Assert.True(Math.Abs(stepLogProbabilities[r][j] - perToken[r][j]) <= tolerance,
                    $"row {r}, generated token {j}: stepwise {stepLogProbabilities[r][j]}, scored {perToken[r][j]} (tolerance {tolerance:E2})");
            }
        }
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("baseline")]
    public void BeamSearchEqualsAnExhaustiveSearch(string family)
    {
        using var lm = Build(family, 16, ScalarType.Float32, tokens: 4);
        using var reference = Build(family, 16, ScalarType.Float64, tokens: 4);
        var model = (IStepDecodingModel)lm;
        var referenceModel = (IStepDecodingModel)reference;
        int[] prompt = [1, 2];
        ExhaustiveBeamSearch.AssertBeamsAreTheBestHypotheses(model, prompt, row =>
        {
            using var decoder = referenceModel.CreateDecoder(StepDecoderMode.Recompute);
            var logits = new float[referenceModel.LogitCount];
            decoder.Prefill([[.. referenceModel.BeginRow(prompt, null), .. row]], logits);
            return ExhaustiveBeamSearch.CandidateLogSoftmax(logits, referenceModel);
        });
    }

    [Fact]
    public void DecodersRejectMisuseNamingTheArgument()
    {
        using var lm = Build("gru", 12, ScalarType.Float32);
        var model = (IStepDecodingModel)lm;
        using var decoder = model.CreateDecoder();
        var logits = new float[2 * model.LogitCount];
        Assert.Throws<InvalidOperationException>(() => decoder.Append([0], logits));
        Assert.Throws<ArgumentOutOfRangeException>(() => decoder.Prefill([[model.LogitCount]], logits));
        decoder.Prefill([[model.EndOfRowId], [model.EndOfRowId, 0]], logits);
        Assert.Throws<ArgumentException>(() => decoder.Append([0], logits));
        Assert.Throws<ArgumentOutOfRangeException>(() => decoder.Select([2]));
        Assert.Throws<ArgumentException>(() => model.BeginRow([0], [0]));
    }

    private static IAutoregressiveScorer Build(string family, int width, ScalarType dtype, int tokens = Tokens)
    {
        torch.manual_seed(11);
        var layout = new TokenIdLayout(tokens, 0);
        int v = layout.Size;
        nn.Module network = family switch
        {
            "lstm" => new LstmModel(new LstmConfig(v, RecurrentCell.Lstm, 2, width, width, 0)),
            "gru" => new LstmModel(new LstmConfig(v, RecurrentCell.Gru, 2, width, width, 0)),
            // Receptive field 1 + 2·(1 + 2) = 7 ids: the recomputing decoder reads only the last 7 of each row.
            "wavenet" => new WaveNetModel(new WaveNetConfig(v, DilationCycles: 2, LayersPerCycle: 2, ResidualChannels: width, SkipChannels: width)),
            _ => new AverageEmbeddingModel(new AverageEmbeddingConfig(v, 3, width)),
        };
        using (no_grad())
            foreach (var p in network.parameters()) KeptScalar.MulInPlace(p, 4.0);   // sharper distributions than at initialisation
        network.to(dtype);
        return network switch
        {
            LstmModel lstm => new LstmLanguageModel(lstm, layout, CPU),
            WaveNetModel wavenet => new WaveNetLanguageModel(wavenet, layout, CPU),
            _ => new LinearBaselineLanguageModel((AverageEmbeddingModel)network, layout, CPU),
        };
    }

    private static double LogSoftmax(ReadOnlySpan<float> logits, int id)
    {
        double max = double.NegativeInfinity;
        foreach (float x in logits) max = Math.Max(max, x);
        double sum = 0;
        foreach (float x in logits) sum += Math.Exp(x - max);
        return logits[id] - max - Math.Log(sum);
    }

    private static void Reorder(float[] logits, int[] pick, int v)
    {
        var copy = (float[])logits.Clone();
        for (int i = 0; i < pick.Length; i++) Array.Copy(copy, pick[i] * v, logits, i * v, v);
    }
}
