using ArML.Data;
using ArML.Persistence;
using ArML.Trainers;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace ArML.Onnx;

/// <summary>
/// The scoring graph as ML.NET's ApplyOnnxModel hosts it: one row's token keys in (the key column itself, uint32,
/// key = column id + 1), framed and mapped to model ids inside the graph, and the LanguageModelTransformer's columns out.
/// </summary>
internal static class GptKeyScoringGraph
{
    /// <summary>Input: uint32 [1, sequence], one row's raw keys (the token column converted to 32-bit keys).</summary>
    public const string TokenKeys = "ArmlOnnxTokenKeys";

    /// <summary>
    /// The name of the node that checks a row's model ids: ONNX Runtime's error for an id out of its range names the
    /// node, so the name says what went wrong.
    /// </summary>
    public const string ModelIdCheck = "ArML_model_id_check__the_row_holds_a_token_the_model_cannot_read";

    public static ModelProto Build(GptOnnxShape shape, TokenIdLayout ids, TokenKeyMap keyMap, IReadOnlyDictionary<string, TensorData> weights,
        DataType type, MlNetScoringColumns columns)
    {
        var g = new OnnxGraph("arml_gpt_key_scoring");
        // ML.NET hands a variable-length vector column to ONNX Runtime as [1, length] (its raw keys, for a key column).
        var row = g.Node("Squeeze", [g.Input(TokenKeys, DataType.Uint32, 1L, "sequence"), g.Int64s(0)]);
        var keys = g.Node("Cast", [row], ("to", (long)DataType.Int64));
        // Key k is column id k − 1; the table's first entry stands for the missing key 0.
        var table = new long[keyMap.ColumnKeyCount + 1];
        for (int k = 0; k < table.Length; k++) table[k] = ModelId(keyMap, k - 1, shape);
        var modelIds = Checked(g, g.Node("Gather", [g.Int64Table("key_to_model_id", table), keys]), shape);
        Finish(g, shape, ids, modelIds, weights, type, columns);
        return g.ToModel($"ArML GPT scoring graph for ML.NET: {TokenKeys} uint32 [1, sequence] (one row's raw keys) in; the row's scores out.");
    }

    /// <summary>
    /// Column id → model id as the transformer reads it (key 0 and unseen keys as the unknown token when the policy
    /// allows); an id the model cannot read maps past the vocabulary, so ONNX Runtime's Gather fails on it instead of
    /// scoring something else.
    /// </summary>
    internal static long ModelId(TokenKeyMap keyMap, int columnId, GptOnnxShape shape) =>
        keyMap.TryToModelIdOrUnknown(columnId, out int id) ? id : shape.Config.VocabularySize;

    /// <summary>
    /// <paramref name="modelIds"/> through a named Gather over 0..V−1 (V the model's vocabulary), so that an id
    /// <see cref="ModelId"/> put past the vocabulary fails there, named, rather than in the embedding's anonymous Gather.
    /// </summary>
    internal static string Checked(OnnxGraph g, string modelIds, GptOnnxShape shape)
    {
        var identity = new long[shape.Config.VocabularySize];
        for (int i = 0; i < identity.Length; i++) identity[i] = i;
        return g.NodeWithName(ModelIdCheck, "Gather", [g.Int64Table("model_ids", identity), modelIds]);
    }

    /// <summary>Frames one row's model ids <paramref name="modelIds"/> (1-D) with the separator, scores it and writes the ML.NET columns.</summary>
    internal static void Finish(OnnxGraph g, GptOnnxShape shape, TokenIdLayout ids, string modelIds, IReadOnlyDictionary<string, TensorData> weights,
        DataType type, MlNetScoringColumns columns)
    {
        var separator = g.Int64s(ids.Separator);
        var framed = g.Node("Unsqueeze", [g.Node("Concat", [separator, modelIds, separator], ("axis", 0L)), g.Int64s(0)]);   // (1, n + 2)
        var mask = g.Node("ConstantOfShape", [g.Node("Shape", [framed])], ("value", OnnxGraph.OneInt64()));
        var scores = GptScoringGraph.Score(g, shape, weights, type, framed, mask);
        string Row(string x) => g.Node("Squeeze", [x, g.Int64s(0)]);
        g.NodeNamed(columns.LogLikelihood, "Identity", [scores.LogLikelihood]);
        g.NodeNamed(columns.TokenCount, "Cast", [scores.TokenCount], ("to", (long)DataType.Int32));
        g.NodeNamed(columns.Perplexity, "Identity", [scores.Perplexity]);
        g.Output(columns.LogLikelihood, DataType.Double, 1L);
        g.Output(columns.TokenCount, DataType.Int32, 1L);
        g.Output(columns.Perplexity, DataType.Double, 1L);
        if (columns.TokenLogProbabilities is string name)
        {
            g.NodeNamed(name, "Cast", [Row(scores.TokenLogProbabilities)], ("to", (long)DataType.Double));
            g.Output(name, DataType.Double, "targets");
        }
    }
}

/// <summary>Output column names of the ML.NET scoring graph.</summary>
internal sealed record MlNetScoringColumns(string LogLikelihood, string TokenCount, string Perplexity, string? TokenLogProbabilities);
