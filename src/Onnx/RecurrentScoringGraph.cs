using ArML.Trainers.Lstm;
using Onnx;
using TorchSharp;
using DataType = Onnx.TensorProto.Types.DataType;

namespace ArML.Onnx;

/// <summary>
/// The scoring graph of an LSTM or GRU language model (<see cref="LstmModel"/>): the token embedding, one ONNX
/// <c>LSTM</c> or <c>GRU</c> operator per layer from a zero state, and the output layer, then the same scores as the
/// GPT graph (<see cref="OnnxScoringContract"/>), except that rows must be padded on the right: a recurrence reads
/// left padding as input.
/// </summary>
/// <remarks>
/// libtorch and ONNX order the gates differently: an LSTM's weights are stacked input, forget, cell, output in
/// libtorch and input, output, forget, cell in ONNX; a GRU's are reset, update, new in libtorch and update, reset,
/// hidden in ONNX, whose <c>linear_before_reset = 1</c> is libtorch's GRU (the reset gate scales W_hn·h + b_hn).
/// </remarks>
internal static class RecurrentScoringGraph
{
    // Rows of libtorch's stacked gates in ONNX's order (blocks of H rows).
    private static readonly int[] LstmGates = [0, 3, 1, 2];
    private static readonly int[] GruGates = [1, 0, 2];

    public static ModelProto Build(LstmModel model)
    {
        var config = model.Config;
        var weights = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().to(torch.float32), StringComparer.Ordinal);
        try
        {
            return GptScoringGraph.Build($"arml_{config.Cell.ToString().ToLowerInvariant()}_scoring", config.VocabularySize,
                (g, ids, mask) => GptScoringGraph.Score(g, ids, mask, (inputs, _) => Logits(g, config, weights, inputs)),
                $"ArML {config.Cell} scoring graph (pad rows on the right): ");
        }
        finally
        {
            foreach (var tensor in weights.Values) tensor.Dispose();
        }
    }

    private static string Logits(OnnxGraph g, LstmConfig config, Dictionary<string, torch.Tensor> weights, string inputs)
    {
        string Weight(string name, long[]? dims = null)
        {
            var tensor = weights[name];
            return g.Weights(name, tensor.data<float>().ToArray(), dims ?? tensor.shape, DataType.Float);
        }
        bool lstm = config.Cell == RecurrentCell.Lstm;
        int gates = lstm ? 4 : 3, hidden = config.HiddenSize;
        var x = g.Node("Transpose", [g.Node("Gather", [Weight("wte.weight"), inputs])], ("perm", new long[] { 1, 0, 2 }));   // (T, B, E)
        for (int l = 0; l < config.LayerCount; l++)
        {
            long width = l == 0 ? config.EmbeddingSize : hidden;
            var w = Gates(g, weights[$"rnn.weight_ih_l{l}"], $"W_{l}", gates, hidden, width, lstm);            // (1, gH, in)
            var r = Gates(g, weights[$"rnn.weight_hh_l{l}"], $"R_{l}", gates, hidden, hidden, lstm);           // (1, gH, H)
            var b = g.Node("Concat", [Gates(g, weights[$"rnn.bias_ih_l{l}"], $"Wb_{l}", gates, hidden, 1, lstm),
                Gates(g, weights[$"rnn.bias_hh_l{l}"], $"Rb_{l}", gates, hidden, 1, lstm)], ("axis", 1L));   // (1, 2gH, 1)
            b = g.Node("Reshape", [b, g.Int64s(1, 2L * gates * hidden)]);                                       // (1, 2gH)
            // No sequence_lens and no initial state: every row is read whole from zeros; right padding comes after it.
            var y = lstm
                ? g.Node("LSTM", [x, w, r, b], 1, ("hidden_size", (long)hidden))[0]
                : g.Node("GRU", [x, w, r, b], 1, ("hidden_size", (long)hidden), ("linear_before_reset", 1L))[0];   // (T, 1, B, H)
            x = g.Node("Squeeze", [y, g.Int64s(1)]);                                                             // (T, B, H)
        }
        var output = g.Node("Transpose", [x], ("perm", new long[] { 1, 0, 2 }));                                 // (B, T, H)
        // Tied output (equal widths) reuses the embedding; ORT folds the transpose of a constant once, at load.
        var head = config.TiedOutput ? "wte.weight" : "lm_head.weight";
        var bias = config.TiedOutput ? Weight("lm_bias") : Weight("lm_head.bias");
        var headWeight = config.TiedOutput ? head : Weight(head);
        return g.Node("Add", [g.Node("MatMul", [output, g.Node("Transpose", [headWeight], ("perm", new long[] { 1, 0 }))]), bias]);   // (B, T, V)
    }

    /// <summary>libtorch's stacked gate rows (gH × columns, or gH for a bias) reordered into ONNX's, as (1, gH, columns).</summary>
    private static string Gates(OnnxGraph g, torch.Tensor stacked, string name, int gates, int hidden, long columns, bool lstm)
    {
        var order = lstm ? LstmGates : GruGates;
        var source = stacked.data<float>().ToArray();
        var values = new float[source.Length];
        long block = hidden * columns;
        for (int to = 0; to < gates; to++)
            Array.Copy(source, order[to] * block, values, to * block, block);
        return g.Weights(name, values, [1, gates * (long)hidden, columns], DataType.Float);
    }
}
