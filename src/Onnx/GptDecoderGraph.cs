using ArML.Persistence;
using ArML.Trainers;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace ArML.Onnx;

/// <summary>
/// The decoder graph in ONNX Runtime GenAI's "gpt2" convention: input_ids, position_ids, attention_mask (over the
/// cached and the new positions) and one past_%d [2, batch, heads, past_sequence, head_size] per layer in;
/// logits [batch, sequence, vocabulary] and one present_%d [2, batch, heads, total_sequence, head_size] per layer out.
/// </summary>
internal static class GptDecoderGraph
{
    public const string InputIds = "input_ids";
    public const string PositionIds = "position_ids";
    public const string AttentionMask = "attention_mask";
    public const string Logits = "logits";
    public const string PastFormat = "past_%d";
    public const string PresentFormat = "present_%d";

    public static string Past(int layer) => PastFormat.Replace("%d", layer.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    public static string Present(int layer) => PresentFormat.Replace("%d", layer.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <param name="shape">The network.</param>
    /// <param name="ids">The model's id layout: ids ArML never samples (the unknown token) get the lowest logit.</param>
    /// <param name="weights">The state dict.</param>
    /// <param name="type">Float or Float16.</param>
    public static ModelProto Build(GptOnnxShape shape, TokenIdLayout ids, IReadOnlyDictionary<string, TensorData> weights, DataType type)
    {
        var g = new OnnxGraph("arml_gpt_decoder");
        var input = g.Input(InputIds, DataType.Int64, "batch", "sequence");
        var positions = g.Input(PositionIds, DataType.Int64, "batch", "sequence");
        var mask = g.Input(AttentionMask, DataType.Int64, "batch", "total_sequence");
        var past = Enumerable.Range(0, shape.Config.LayerCount)
            .Select(i => g.Input(Past(i), type, 2L, "batch", (long)shape.Heads, "past_sequence", (long)shape.HeadSize)).ToList();
        // Query i (at total − T + i) sees the keys up to itself that the mask keeps.
        var keyMask = g.Node("Cast", [g.Node("Unsqueeze", [mask, g.Int64s(1, 2)])], ("to", (long)DataType.Bool));   // (B, 1, 1, P + T)
        var allowed = g.Node("And", [GptScoringGraph.CausalMask(g, input, mask), keyMask]);
        var presents = new List<string>();
        var logits = new GptOnnxNetwork(g, shape, weights, type).Logits(input, positions, allowed, past, presents);
        // GenAI picks among all logits; ArML's sampling never draws the unknown token, so the graph rules it out.
        if (ids.HasUnknown)
        {
            var drawable = Enumerable.Range(0, shape.Config.VocabularySize).Select(i => i != ids.UnknownToken).ToArray();
            logits = g.Node("Where", [g.Bools("drawable_ids", drawable), logits, g.Scalar(float.MinValue, DataType.Float)]);
        }
        g.NodeNamed(Logits, "Identity", [logits]);
        g.Output(Logits, DataType.Float, "batch", "sequence", shape.Config.VocabularySize);
        for (int i = 0; i < presents.Count; i++)
        {
            g.NodeNamed(Present(i), "Identity", [presents[i]]);
            g.Output(Present(i), type, 2L, "batch", (long)shape.Heads, "total_sequence", (long)shape.HeadSize);
        }
        return g.ToModel("ArML GPT decoder graph (ONNX Runtime GenAI gpt2 convention)");
    }
}
