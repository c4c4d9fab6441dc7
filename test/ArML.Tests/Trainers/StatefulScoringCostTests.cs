using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Lstm;
using ArML.Trainers.Stateful;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers;

/// <summary>
/// What scoring a long row costs, counted rather than timed: every position is read once (work linear in the row's
/// length), in pieces whose activations fit the budget (memory bounded whatever the length), and the pieces give
/// the score of one pass.
/// </summary>
public class StatefulScoringCostTests
{
    [Theory]
    [InlineData(1 << 20, 1)]
    [InlineData(1 << 18, 3)]
    public void RowsAreReadOnceInPiecesThatFitTheActivationBudget(long activationsPerPosition, int rowCount)
    {
        var ids = new TokenIdLayout(22, 0);
        using var lm = LstmNumericsTests.RandomLstm(ids, 8);
        var counting = new CountingNetwork(lm.Model, activationsPerPosition);
        using var scorer = new CountingLanguageModel(counting, ids);
        var random = new Random(1);
        var framed = Enumerable.Range(0, rowCount).Select(r =>
        {
            var f = new List<int>();
            ids.Frame([], Enumerable.Range(0, 3000 + 700 * r).Select(_ => random.Next(22)).ToArray(), f);
            return f.ToArray();
        }).ToArray();
        var lengths = framed.Select(f => f.Length).ToArray();
        var firsts = Enumerable.Repeat(1, rowCount).ToArray();
        var ll = new double[rowCount];
        scorer.ScoreFramed(framed, lengths, firsts, 1, ll, new int[rowCount]);

        int piece = scorer.PieceLength(rowCount);
        long perPosition = activationsPerPosition + ids.Size;
        Assert.True(piece > 1 && (long)rowCount * piece * perPosition <= StatefulLanguageModel<CountingNetwork>.ActivationBudget);
        int inputs = lengths.Max() - 1;
        Assert.Equal((inputs + piece - 1) / piece, counting.Lengths.Count);                // ⌈length / piece⌉ passes
        Assert.All(counting.Lengths, length => Assert.True(length <= piece));
        Assert.Equal(inputs, counting.Lengths.Sum());                                       // each position read once
        Assert.All(counting.Lengths.Zip(counting.Batches), pass => Assert.True(pass.First * pass.Second * perPosition <= StatefulLanguageModel<CountingNetwork>.ActivationBudget));

        // The pieces carry the state: the same scores as the network read in one pass.
        var whole = new double[rowCount];
        lm.ScoreFramed(framed, lengths, firsts, 1, whole, new int[rowCount]);
        for (int r = 0; r < rowCount; r++)
            Assert.Equal(whole[r], ll[r], Float32Rounding.RowScore(lengths[r] - 1, whole[r], 16, ids.Size));
    }

    [Fact]
    public void AnLstmBudgetsEveryLayersActivationsNotOnlyItsLogits()
    {
        // A default-width LSTM over a character vocabulary: its layers hold ~30 times more per position than its logits.
        using var network = new LstmModel(new LstmConfig(100, RecurrentCell.Lstm, 2, 256, 256, 0));
        Assert.Equal(100 + 256 + 2 * 6 * 256, network.ActivationsPerPosition);
        using var lm = new LstmLanguageModel(network, new TokenIdLayout(99, 0), CPU);
        Assert.True((long)lm.PieceLength(1) * (network.ActivationsPerPosition + 100) <= StatefulLanguageModel<LstmModel>.ActivationBudget);
    }
}
