using ArML.Tests.Support;
using ArML.Torch;
using ArML.Trainers.Baseline;
using ArML.Trainers.Lstm;
using ArML.Trainers.Stateful;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers;

public class LstmModelTests
{
    private const int Vocabulary = 7;

    private static LstmModel Tiny(RecurrentCell cell, int embedding = 6, int layers = 2, ScalarType dtype = ScalarType.Float64)
    {
        TorchRuntime.EnsureInitialized();
        torch.manual_seed(11);
        var model = new LstmModel(new LstmConfig(Vocabulary, cell, layers, HiddenSize: 6, EmbeddingSize: embedding, Dropout: 0));
        model.to(dtype);
        model.eval();
        return model;
    }

    private static AverageEmbeddingModel TinyLinear(int window = 3)
    {
        TorchRuntime.EnsureInitialized();
        torch.manual_seed(12);
        var model = new AverageEmbeddingModel(new AverageEmbeddingConfig(Vocabulary, window, EmbeddingSize: 5));
        model.to(ScalarType.Float64);
        return model;
    }

    private static readonly long[] Inputs = [1, 4, 2, 6, 0, 3, 5, 2];
    private static readonly long[] Targets = [4, 2, 6, 0, 3, 5, 2, 1];

    // A state in the middle of a sequence (not the zero start): the gradient must flow through the carried state.
    private static RecurrentState MidSequence(IStatefulNetwork network)
    {
        using var noGrad = no_grad();
        return network.Forward(tensor(new long[] { 5, 2, 6 }, [1, 3]), network.InitialState(1, CPU)).State;
    }

    // The loss of reading Inputs in two pieces, the second continuing from the first's state (kept on the graph).
    private static double Loss<T>(T network, RecurrentState start, bool backward = false) where T : nn.Module, IStatefulNetwork
    {
        using var scope = NewDisposeScope();
        var (first, state) = network.Forward(tensor(Inputs[..3], [1, 3]), start);
        var (second, _) = network.Forward(tensor(Inputs[3..], [1, 5]), state);
        var loss = nn.functional.cross_entropy(cat([first, second], 1).view(-1, Vocabulary), tensor(Targets));
        if (backward) loss.backward();
        return loss.item<double>();
    }

    public static TheoryData<RecurrentCell, int> Shapes => new()
    {
        { RecurrentCell.Lstm, 6 },   // tied output
        { RecurrentCell.Lstm, 4 },   // own output layer
        { RecurrentCell.Gru, 6 },
        { RecurrentCell.Gru, 4 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void GradientsMatchFiniteDifferences(RecurrentCell cell, int embedding)
    {
        using var model = Tiny(cell, embedding);
        AssertGradients(model);
    }

    [Fact]
    public void LinearBaselineGradientsMatchFiniteDifferences()
    {
        using var model = TinyLinear();
        AssertGradients(model);
    }

    private static void AssertGradients<T>(T model) where T : nn.Module, IStatefulNetwork
    {
        var start = MidSequence(model);
        Loss(model, start, backward: true);
        int checkedEntries = FiniteDifferences.AssertGradients(model, () => Loss(model, start), entriesPerParameter: 3,
            absoluteTolerance: 1e-7, relativeTolerance: 1e-5);
        Assert.True(checkedEntries >= 9);
    }

    public static TheoryData<RecurrentCell> Cells => new() { RecurrentCell.Lstm, RecurrentCell.Gru };

    [Theory]
    [MemberData(nameof(Cells))]
    public void LogitsFollowTheTextbookEquations(RecurrentCell cell)
    {
        // An independent forward pass: the gate equations written out with the module's own weights.
        using var model = Tiny(cell);
        var weights = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.data<double>().ToArray());
        var shapes = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        const int hidden = 6, layers = 2;
        var h = new double[layers][];
        var c = new double[layers][];
        for (int l = 0; l < layers; l++) { h[l] = new double[hidden]; c[l] = new double[hidden]; }
        var expected = new List<double>();
        foreach (long token in Inputs)
        {
            var x = weights["wte.weight"].Skip((int)token * 6).Take(6).ToArray();
            for (int l = 0; l < layers; l++)
            {
                var gi = Affine(weights[$"rnn.weight_ih_l{l}"], weights[$"rnn.bias_ih_l{l}"], x);
                var gh = Affine(weights[$"rnn.weight_hh_l{l}"], weights[$"rnn.bias_hh_l{l}"], h[l]);
                var next = new double[hidden];
                for (int j = 0; j < hidden; j++)
                {
                    if (cell == RecurrentCell.Lstm)
                    {
                        // Gate rows in libtorch's order: input, forget, cell candidate, output.
                        double i = Sigmoid(gi[j] + gh[j]), f = Sigmoid(gi[hidden + j] + gh[hidden + j]);
                        double g = Math.Tanh(gi[2 * hidden + j] + gh[2 * hidden + j]), o = Sigmoid(gi[3 * hidden + j] + gh[3 * hidden + j]);
                        c[l][j] = f * c[l][j] + i * g;
                        next[j] = o * Math.Tanh(c[l][j]);
                    }
                    else
                    {
                        // Reset, update, new: the reset gate scales the recurrent part of the candidate (bias included).
                        double r = Sigmoid(gi[j] + gh[j]), z = Sigmoid(gi[hidden + j] + gh[hidden + j]);
                        double n = Math.Tanh(gi[2 * hidden + j] + r * gh[2 * hidden + j]);
                        next[j] = (1 - z) * n + z * h[l][j];
                    }
                }
                h[l] = next;
                x = next;
            }
            // Tied output: logits = E h + b.
            var logits = Affine(weights["wte.weight"], weights["lm_bias"], x);
            expected.AddRange(logits);
        }
        Assert.Equal([Vocabulary, 6], shapes["wte.weight"]);
        using var noGrad = no_grad();
        var (actual, _) = model.Forward(tensor(Inputs, [1, Inputs.Length]), model.InitialState(1, CPU));
        var values = actual.data<double>().ToArray();
        Assert.Equal(expected.Count, values.Length);
        for (int k = 0; k < values.Length; k++) Assert.Equal(expected[k], values[k], 12);
    }

    [Fact]
    public void LinearBaselineFollowsItsFormula()
    {
        // softmax(Vᵀ W mean(e_t)) with the mean over the current and previous WindowSize − 1 inputs (fewer at the start).
        const int window = 3, d = 5;
        using var model = TinyLinear(window);
        var sd = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.data<double>().ToArray());
        var expected = new List<double>();
        for (int t = 0; t < Inputs.Length; t++)
        {
            int from = Math.Max(0, t - window + 1);
            var mean = new double[d];
            for (int s = from; s <= t; s++)
                for (int k = 0; k < d; k++) mean[k] += sd["wte.weight"][Inputs[s] * d + k] / (t - from + 1);
            expected.AddRange(Affine(sd["v.weight"], null, Affine(sd["w.weight"], null, mean)));
        }
        using var noGrad = no_grad();
        var (actual, _) = model.Forward(tensor(Inputs, [1, Inputs.Length]), model.InitialState(1, CPU));
        var values = actual.data<double>().ToArray();
        Assert.Equal(expected.Count, values.Length);
        for (int k = 0; k < values.Length; k++) Assert.Equal(expected[k], values[k], 12);
    }

    public static TheoryData<string> Networks => new() { "lstm", "gru", "linear1", "linear4" };

    private static (nn.Module Module, IStatefulNetwork Network) Build(string name) => name switch
    {
        "lstm" => Pair(Tiny(RecurrentCell.Lstm)),
        "gru" => Pair(Tiny(RecurrentCell.Gru, embedding: 4, layers: 1)),
        "linear1" => Pair(TinyLinear(window: 1)),
        _ => Pair(TinyLinear(window: 4)),
    };

    private static (nn.Module, IStatefulNetwork) Pair<T>(T network) where T : nn.Module, IStatefulNetwork => (network, network);

    [Theory]
    [MemberData(nameof(Networks))]
    public void ReadingInPiecesCarryingTheStateEqualsReadingWhole(string name)
    {
        var (module, network) = Build(name);
        using var _ = module;
        using var noGrad = no_grad();
        var batch = tensor(Inputs.Concat(Inputs.Reverse()).ToArray(), [2, Inputs.Length]);
        var (whole, finalWhole) = network.Forward(batch, network.InitialState(2, CPU));
        // Single positions in evaluation mode take the LSTM/GRU's hand-written one-step path: it must match the fused layers.
        foreach (int[] cuts in new[] { new[] { 1 }, new[] { 3, 4 }, new[] { 1, 1, 1, 1, 1, 1, 1 } })
        {
            var state = network.InitialState(2, CPU);
            var pieces = new List<Tensor>();
            int begin = 0;
            foreach (int length in cuts.Append(Inputs.Length - cuts.Sum()))
            {
                var (logits, next) = network.Forward(batch.narrow(1, begin, length), state);
                pieces.Add(logits);
                state = next;
                begin += length;
            }
            Assert.True(allclose(whole, cat(pieces, 1), rtol: 1e-12, atol: 1e-12), $"{name}, pieces {string.Join("+", cuts)}");
            for (int p = 0; p < state.Parts.Count; p++) Assert.True(allclose(finalWhole.Parts[p], state.Parts[p], rtol: 1e-12, atol: 1e-12));
        }
    }

    private static double[] Affine(double[] matrix, double[]? bias, double[] x)
    {
        int rows = matrix.Length / x.Length;
        var y = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double sum = bias?[r] ?? 0;
            for (int k = 0; k < x.Length; k++) sum += matrix[r * x.Length + k] * x[k];
            y[r] = sum;
        }
        return y;
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
