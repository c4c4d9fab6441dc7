using ArML.Persistence;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace ArML.Onnx;

/// <summary>
/// The scoring graph: framed rows of model ids in, each next id's log-probability and each row's log-likelihood out,
/// the numbers of LanguageModelTransformer's TokenLogProbabilities and LogLikelihood columns (see <see cref="OnnxScoringContract"/>).
/// </summary>
internal static class GptScoringGraph
{
    public static ModelProto Build(GptOnnxShape shape, IReadOnlyDictionary<string, TensorData> weights, DataType type) =>
        Build("arml_gpt_scoring", shape.Config.VocabularySize, (g, ids, mask) => Score(g, shape, weights, type, ids, mask), "ArML GPT scoring graph: ");

    /// <summary>A scoring graph of <see cref="OnnxScoringContract"/>'s inputs and outputs around the scores <paramref name="score"/> writes.</summary>
    internal static ModelProto Build(string name, int vocabularySize, Func<OnnxGraph, string, string, Scores> score, string description)
    {
        var g = new OnnxGraph(name);
        var ids = g.Input(OnnxScoringContract.InputIds, DataType.Int64, "batch", "sequence");
        var mask = g.Input(OnnxScoringContract.AttentionMask, DataType.Int64, "batch", "sequence");
        var scores = score(g, ids, mask);
        g.NodeNamed(OnnxScoringContract.Logits, "Identity", [scores.Logits]);
        g.NodeNamed(OnnxScoringContract.TokenLogProbabilities, "Identity", [scores.TokenLogProbabilities]);
        g.NodeNamed(OnnxScoringContract.LogLikelihood, "Identity", [scores.LogLikelihood]);
        g.NodeNamed(OnnxScoringContract.TokenCount, "Identity", [scores.TokenCount]);
        g.NodeNamed(OnnxScoringContract.Perplexity, "Identity", [scores.Perplexity]);
        g.Output(OnnxScoringContract.Logits, DataType.Float, "batch", "targets", vocabularySize);
        g.Output(OnnxScoringContract.TokenLogProbabilities, DataType.Float, "batch", "targets");
        g.Output(OnnxScoringContract.LogLikelihood, DataType.Double, "batch");
        g.Output(OnnxScoringContract.TokenCount, DataType.Int64, "batch");
        g.Output(OnnxScoringContract.Perplexity, DataType.Double, "batch");
        return g.ToModel(description + OnnxScoringContract.Summary);
    }

    /// <summary>The graph values the Score methods compute.</summary>
    internal sealed record Scores(string Logits, string TokenLogProbabilities, string LogLikelihood, string TokenCount, string Perplexity);

    /// <summary>The scores of framed rows <paramref name="ids"/> (B, S) with <paramref name="mask"/> (B, S).</summary>
    internal static Scores Score(OnnxGraph g, GptOnnxShape shape, IReadOnlyDictionary<string, TensorData> weights, DataType type, string ids, string mask) =>
        Score(g, ids, mask, (inputs, inputMask) =>
        {
            // Positions count the row's own ids, so left padding scores as right padding does: cumsum(mask) − 1, from 0.
            var positions = g.Node("Max", [g.Node("Sub", [g.Node("CumSum", [inputMask, g.Int64(1)]), g.Int64(1)]), g.Int64(0)]);
            var allowed = g.Node("And", [CausalMask(g, inputs), g.Node("Cast", [g.Node("Unsqueeze", [inputMask, g.Int64s(1, 2)])], ("to", (long)DataType.Bool))]);
            return new GptOnnxNetwork(g, shape, weights, type).Logits(inputs, positions, allowed, null, null);
        });

    /// <summary>
    /// The scores of framed rows <paramref name="ids"/> (B, S) with <paramref name="mask"/> (B, S), given the network:
    /// <paramref name="logitsOf"/>(inputs (B, T), their mask (B, T)) writes float32 logits (B, T, V), T = S − 1.
    /// </summary>
    internal static Scores Score(OnnxGraph g, string ids, string mask, Func<string, string, string> logitsOf)
    {
        // Position j predicts id j + 1: the network reads all but the last id, the targets are all but the first.
        string Head(string x) => g.Node("Slice", [x, g.Int64s(0), g.Int64s(-1), g.Int64s(1)]);
        string Tail(string x) => g.Node("Slice", [x, g.Int64s(1), g.Int64s(long.MaxValue), g.Int64s(1)]);
        string inputs = Head(ids), targets = Tail(ids), inputMask = Head(mask), targetMask = Tail(mask);
        var logits = logitsOf(inputs, inputMask);                                                               // (B, T, V)
        var logp = g.Node("LogSoftmax", [logits], ("axis", -1L));
        var picked = g.Node("Squeeze", [g.Node("GatherElements", [logp, g.Node("Unsqueeze", [targets, g.Int64s(2)])], ("axis", 2L)), g.Int64s(2)]);   // (B, T)
        // A target counts when it and the id before it are real: the first id of a row (its opening SEP) is never scored.
        var scored = g.Node("Mul", [inputMask, targetMask]);
        var tokenLogProbabilities = g.Node("Mul", [picked, g.Node("Cast", [scored], ("to", (long)DataType.Float))]);
        // Sums in float64, as ArML sums its float32 log-probabilities.
        var logLikelihood = g.Node("ReduceSum", [g.Node("Cast", [tokenLogProbabilities], ("to", (long)DataType.Double)), g.Int64s(1)], ("keepdims", 0L));
        var tokenCount = g.Node("ReduceSum", [scored, g.Int64s(1)], ("keepdims", 0L));
        var perToken = g.Node("Div", [logLikelihood, g.Node("Cast", [tokenCount], ("to", (long)DataType.Double))]);
        return new Scores(logits, tokenLogProbabilities, logLikelihood, tokenCount, g.Node("Exp", [g.Node("Neg", [perToken])]));
    }

    /// <summary>(T, T) bool, true where key j ≤ query i, for the T positions of <paramref name="ids"/> (B, T).</summary>
    internal static string CausalMask(OnnxGraph g, string ids) => CausalMask(g, ids, null);

    /// <summary>
    /// (T, P + T) bool, true where key j ≤ P + i: query i of <paramref name="ids"/> (B, T) sits after the P cached
    /// positions (P = the length of <paramref name="keyMask"/> minus T; 0 without it).
    /// </summary>
    internal static string CausalMask(OnnxGraph g, string ids, string? keyMask)
    {
        var t = g.Node("Gather", [g.Node("Shape", [ids]), g.Int64(1)], ("axis", 0L));
        var total = keyMask == null ? t : g.Node("Gather", [g.Node("Shape", [keyMask]), g.Int64(1)], ("axis", 0L));
        var past = g.Node("Sub", [total, t]);
        var queries = g.Node("Range", [past, total, g.Int64(1)]);
        var keys = g.Node("Range", [g.Int64(0), total, g.Int64(1)]);
        return g.Node("LessOrEqual", [g.Node("Unsqueeze", [keys, g.Int64s(0)]), g.Node("Unsqueeze", [queries, g.Int64s(1)])]);
    }
}
