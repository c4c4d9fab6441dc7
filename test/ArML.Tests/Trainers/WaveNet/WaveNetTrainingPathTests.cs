using ArML.Torch;
using ArML.Trainers;
using ArML.Trainers.Stateful;
using ArML.Trainers.WaveNet;
using ArML.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers.WaveNet;

/// <summary>
/// The loss a WaveNet trains on and the log-likelihood it scores must be one quantity: a tiny float64 WaveNet with
/// random weights, its parameters re-pointed into the trainer's flat optimizer buffers, reads the same rows through
/// truncated back-propagation's windows (in training mode, the state carried into a row's tail window) and through row
/// scoring; the losses agree before and after optimizer steps, and a step's short tail window is not a step of its own.
/// </summary>
public class WaveNetTrainingPathTests
{
    private const int Levels = 5, RowLength = 13, RowCount = 6;

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    public void TheTrainingLossEqualsTheScoredLogLikelihoodOfTheSameRowsBeforeAndAfterOptimizerSteps(ScalarType dtype)
    {
        TorchRuntime.EnsureInitialized();
        torch.manual_seed(3);
        var ids = new TokenIdLayout(Levels, 0);
        var network = new WaveNetModel(new WaveNetConfig(ids.Size, DilationCycles: 2, LayersPerCycle: 3, ResidualChannels: 5, SkipChannels: 6));
        using (no_grad())
            foreach (var p in network.parameters()) p.copy_(KeptScalar.MulInPlace(randn(p.shape), 0.5));
        network.to(dtype);
        using var lm = new WaveNetLanguageModel(network, ids, CPU);

        var random = new Random(4);
        var buffer = new List<int>();
        var framed = new int[RowCount][];
        var firsts = new int[RowCount];
        var tokens = new TokenBuffer(ids.Size);
        var starts = new long[RowCount + 1];
        for (int r = 0; r < RowCount; r++)
        {
            firsts[r] = ids.Frame([], Enumerable.Range(0, RowLength).Select(_ => random.Next(Levels)).ToArray(), buffer);
            framed[r] = buffer.ToArray();
            starts[r] = tokens.Length;
            foreach (int id in framed[r]) tokens.Add(id);   // each framed row whole, as RowWindows reads them
        }
        starts[RowCount] = tokens.Length;

        // All rows side by side in windows of 8 inputs: a row's 14 inputs are a full window, then a tail of 6 read after
        // the carried queues. A step reads windows until it holds a full window's tokens: the first step the first
        // window alone, the next the tail and, to fill it up, the first window of the rows read again.
        using var optimizer = new FlatAdamW([(network.parameters().ToList(), 0.0)], 0.9, 0.99);
        for (int step = 0; step < 3; step++)
        {
            using var task = new TruncatedBpttTask<WaveNetModel>(network, new RowWindows(tokens, starts, RowCount, 8), null, 1, CPU);
            var trainingRandom = new TrainingRandom(1);
            network.train();
            optimizer.ZeroGrad();
            var (first, firstTokens) = task.TrainingLoss(trainingRandom);
            var (second, secondTokens) = task.TrainingLoss(trainingRandom);
            KeptScalar.Add(first, second).backward();

            var perToken = Scored(lm, framed, firsts);   // (rows, 14) log-probabilities
            double head = -perToken.Sum(r => r[..8].Sum()), tail = -perToken.Sum(r => r[8..].Sum());
            double tolerance = dtype == ScalarType.Float64 ? 1e-9 : 1e-4;
            Assert.Equal(RowCount * 8, firstTokens);
            Assert.Equal(RowCount * 14, secondTokens);
            Assert.Equal(head / firstTokens, Value(first), tolerance * head / firstTokens);
            Assert.Equal((tail + head) / secondTokens, Value(second), tolerance * head / firstTokens);
            optimizer.Step(0.05);
        }
    }

    private static double Value(Tensor loss) => loss.to_type(ScalarType.Float64).item<double>();

    // Each row's log-probability of each target, the row scored whole by the language model.
    private static double[][] Scored(WaveNetLanguageModel lm, int[][] framed, int[] firsts)
    {
        var ll = new double[framed.Length];
        var counts = new int[framed.Length];
        var perToken = new double[framed.Length][];
        lm.ScoreFramed(framed, framed.Select(f => f.Length).ToArray(), firsts, 1, ll, counts, perToken);
        return perToken;
    }
}
