using ArML.Trainers;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Onnx;

/// <summary>ML.NET-native scoring of ArML GPT models through ML.NET's own ONNX transformer.</summary>
public static class OnnxScorerCatalogExtensions
{
    /// <summary>
    /// Exports <paramref name="model"/> to <paramref name="onnxPath"/> as a one-row scoring graph and returns the
    /// ML.NET estimator chain that scores with it: the token key column converted to 32-bit keys, ML.NET's own
    /// <c>ApplyOnnxModel</c> (the graph maps keys to model ids and frames the row itself), and the helper column dropped. Fitted, it writes the columns the GPT transformer writes
    /// (same numbers within float32 rounding) as one-slot vectors, and it saves and loads with plain <c>mlContext.Model.Save</c> /
    /// <c>Load</c>: ML.NET stores the ONNX graph inside the model zip, so no ArML code is needed to load or run it.
    /// </summary>
    /// <remarks>
    /// | Column | Type | Meaning |
    /// |---|---|---|
    /// | LogLikelihood | Vector&lt;Double, 1&gt; | as <see cref="LanguageModelTransformer"/>'s |
    /// | TokenCount | Vector&lt;Int32, 1&gt; | row length + 1 |
    /// | Perplexity | Vector&lt;Double, 1&gt; | exp(−LogLikelihood / TokenCount) |
    /// | TokenLogProbabilities | Vector&lt;Double&gt; | when the model writes it |
    ///
    /// ML.NET's ONNX transformer writes every output as a vector, and no built-in ML.NET transform turns a one-slot
    /// vector into a scalar without custom code (which plain <c>Model.Load</c> could not restore), so the three
    /// scores are one-slot vectors: read them as <c>double[]</c> / <c>int[]</c> fields or VBuffer getters.
    /// Rows must fit one window (at most ContextLength − 1 tokens; ONNX Runtime raises an error for longer rows, whose
    /// sliding window only <see cref="LanguageModelTransformer"/> computes). A key the model cannot read (the missing
    /// key 0, or a key unseen in training when its policy is Throw) makes ONNX Runtime raise an error. Append it after
    /// the tokenizer that made the model's token column (ML.NET's own, e.g. TokenizeIntoCharactersAsKeys, or
    /// TokenizeIntoWords + MapValueToKey, keep the whole chain ML.NET-native).
    /// Requires the ONNX Runtime native package in the application (Microsoft.ML.OnnxRuntime, or .Gpu).
    /// </remarks>
    /// <param name="catalog">The language-modeling catalog.</param>
    /// <param name="model">A GPT language model.</param>
    /// <param name="onnxPath">Where the graph is written (ML.NET reads it when the chain is fitted).</param>
    /// <param name="precision">Float32 (default) or Float16.</param>
    /// <param name="gpuDeviceId">Runs ONNX Runtime on this CUDA device (needs Microsoft.ML.OnnxRuntime.Gpu); null for the CPU.</param>
    /// <param name="fallbackToCpu">Runs on the CPU when the GPU cannot be used.</param>
    /// <exception cref="NotSupportedException">The model's family or an option is not exported (the message names it).</exception>
    public static IEstimator<ITransformer> ToOnnxScorer(this LanguageModelingCatalog catalog, LanguageModelTransformer model, string onnxPath,
        OnnxPrecision precision = OnnxPrecision.Float32, int? gpuDeviceId = null, bool fallbackToCpu = false)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(onnxPath);
        var gpt = OnnxExport.Gpt(model);
        if (!gpt.Vocabulary.StartsWithSeparator || !gpt.Vocabulary.EndsWithSeparator)
            throw new NotSupportedException("The ONNX scorer frames rows with the separator at both ends; this model leaves one out " +
                "(HuggingFaceOptions.PrependEndOfText or AppendEndOfText is false).");
        var shape = GptOnnxShape.From(gpt.Model.Config);
        var columns = new MlNetScoringColumns(LanguageModelScoreColumns.LogLikelihoodColumnName, LanguageModelScoreColumns.TokenCountColumnName,
            LanguageModelScoreColumns.PerplexityColumnName, model.Columns.TokenLogProbabilities ? LanguageModelScoringMapper.TokenLogProbabilitiesColumnName : null);
        var graph = GptKeyScoringGraph.Build(shape, gpt.Vocabulary, model.KeyMap, OnnxExport.Weights(gpt, precision), OnnxExport.DataTypeOf(precision), columns);
        OnnxExport.Write(onnxPath, graph);
        var ml = catalog.Context;
        string[] outputs = columns.TokenLogProbabilities is string name
            ? [columns.LogLikelihood, columns.TokenCount, columns.Perplexity, name]
            : [columns.LogLikelihood, columns.TokenCount, columns.Perplexity];
        // Key columns come with 8-, 16- or 32-bit keys (TokenizeIntoCharactersAsKeys: 16); the graph reads 32-bit ones.
        return ml.Transforms.Conversion.ConvertType(GptKeyScoringGraph.TokenKeys, model.TokenColumnName, DataKind.UInt32)
            .Append(ml.Transforms.ApplyOnnxModel(outputs, [GptKeyScoringGraph.TokenKeys], onnxPath, gpuDeviceId, fallbackToCpu))
            .Append(ml.Transforms.DropColumns(GptKeyScoringGraph.TokenKeys));
    }
}
