using ArML.Trainers;
using ArML.Trainers.Gpt;
using ArML.Transforms.Text;
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
        var gpt = FramedGpt(model);
        var shape = GptOnnxShape.From(gpt.Model.Config);
        var columns = Columns(model);
        var graph = GptKeyScoringGraph.Build(shape, gpt.Vocabulary, model.KeyMap, OnnxExport.Weights(gpt, precision), OnnxExport.DataTypeOf(precision), columns);
        OnnxExport.Write(onnxPath, graph);
        var ml = catalog.Context;
        // Key columns come with 8-, 16- or 32-bit keys (TokenizeIntoCharactersAsKeys: 16); the graph reads 32-bit ones.
        return ml.Transforms.Conversion.ConvertType(GptKeyScoringGraph.TokenKeys, model.TokenColumnName, DataKind.UInt32)
            .Append(ml.Transforms.ApplyOnnxModel(Outputs(columns), [GptKeyScoringGraph.TokenKeys], onnxPath, gpuDeviceId, fallbackToCpu))
            .Append(ml.Transforms.DropColumns(GptKeyScoringGraph.TokenKeys));
    }

    /// <summary>
    /// Exports <paramref name="model"/> with its byte-level BPE <paramref name="tokenizer"/> to <paramref name="onnxPath"/>
    /// as a graph that reads the text column itself, and returns ML.NET's own <c>ApplyOnnxModel</c> over it: the text
    /// is tokenized inside the graph by ONNX Runtime Extensions' GPT2Tokenizer operator, so the chain text →
    /// scores has no ArML component and saves and loads with plain <c>mlContext.Model.Save</c> / <c>Load</c>.
    /// </summary>
    /// <remarks>
    /// | Column | Type | Meaning |
    /// |---|---|---|
    /// | (input) the tokenizer's input column | Text | one row of text |
    /// | LogLikelihood, TokenCount, Perplexity, TokenLogProbabilities | as the other overload's | the GPT transformer's numbers |
    ///
    /// Needs the Microsoft.ML.OnnxRuntime.Extensions package in the application (its native library holds the
    /// operator) and <see cref="OnnxRuntimeExtensionsSessions.UseOnnxRuntimeExtensions"/> on the context that fits the
    /// chain and on every context that loads it (<see cref="InvalidOperationException"/> here when it was not called;
    /// see its remarks for the error a loading context without it gets). Runs on the CPU.
    /// The graph scores the text as the GPT transformer scores the tokenizer's output: rows framed by the model's
    /// separator at both ends, at most ContextLength − 1 tokens (ONNX Runtime raises an error for longer rows). A row
    /// containing the string &lt;|endoftext|&gt; fails in ONNX Runtime, naming the node
    /// ArML_model_id_check__…: the operator splits that string out as its special token, while ArML encodes it as
    /// ordinary text, and the graph refuses rather than score it differently.
    /// </remarks>
    /// <param name="catalog">The language-modeling catalog.</param>
    /// <param name="tokenizer">The tokenizer that makes <paramref name="model"/>'s token column (e.g. the first transformer of LoadHuggingFace's chain).</param>
    /// <param name="model">A GPT language model.</param>
    /// <param name="onnxPath">Where the graph is written (ML.NET reads it when the chain is fitted).</param>
    /// <param name="precision">Float32 (default) or Float16.</param>
    /// <exception cref="NotSupportedException">The model's family, its framing, the tokenizer (not byte-level BPE) or one of
    /// its options (begin/end-of-sequence tokens, a maximum token count, UnpairedSurrogates Error) is not exported; the message names it.</exception>
    /// <exception cref="ArgumentException">The tokenizer does not write the model's token column.</exception>
    /// <exception cref="InvalidOperationException">The context has no ONNX session factory (<see cref="OnnxRuntimeExtensionsSessions.UseOnnxRuntimeExtensions"/> was not called).</exception>
    public static IEstimator<ITransformer> ToOnnxScorer(this LanguageModelingCatalog catalog, TokenizerTransformer tokenizer, LanguageModelTransformer model,
        string onnxPath, OnnxPrecision precision = OnnxPrecision.Float32)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(onnxPath);
        var gpt = FramedGpt(model);
        var bpe = TextTokenizer(tokenizer, model);
        if (!OnnxRuntimeExtensionsSessions.HasSessionFactory(catalog.Context))
            throw new InvalidOperationException("The text scorer's graph uses ONNX Runtime Extensions' GPT2Tokenizer operator: call " +
                "mlContext.UseOnnxRuntimeExtensions() on this context (and on every context that loads the fitted chain) first.");
        var shape = GptOnnxShape.From(gpt.Model.Config);
        var columns = Columns(model);
        var graph = GptTextScoringGraph.Build(shape, gpt.Vocabulary, model.KeyMap, bpe, tokenizer.InputColumnName,
            OnnxExport.Weights(gpt, precision), OnnxExport.DataTypeOf(precision), columns);
        OnnxExport.Write(onnxPath, graph);
        return catalog.Context.Transforms.ApplyOnnxModel(Outputs(columns), [tokenizer.InputColumnName], onnxPath);
    }

    private static GptLanguageModel FramedGpt(LanguageModelTransformer model)
    {
        var gpt = OnnxExport.Gpt(model);
        if (!gpt.Vocabulary.StartsWithSeparator || !gpt.Vocabulary.EndsWithSeparator)
            throw new NotSupportedException("The ONNX scorer frames rows with the separator at both ends; this model leaves one out " +
                "(HuggingFaceOptions.PrependEndOfText or AppendEndOfText is false).");
        return gpt;
    }

    /// <summary>The tokenizer's vocabulary, when the graph's operator reproduces the tokenizer's ids; otherwise a refusal naming why.</summary>
    private static BpeVocabulary TextTokenizer(TokenizerTransformer tokenizer, LanguageModelTransformer model)
    {
        if (tokenizer.OutputColumnName != model.TokenColumnName)
            throw new ArgumentException($"The tokenizer writes column '{tokenizer.OutputColumnName}', but the model reads '{model.TokenColumnName}'.", nameof(tokenizer));
        if (tokenizer.Vocabulary is not BpeVocabulary { ByteLevel: true } bpe)
            throw new NotSupportedException($"The text scorer tokenizes with ONNX Runtime Extensions' GPT2Tokenizer, which reproduces byte-level BPE only; " +
                $"this tokenizer's vocabulary is a {tokenizer.Vocabulary.Description}.");
        var options = tokenizer.Options;
        string? option = options.BeginOfSequenceToken != null ? nameof(options.BeginOfSequenceToken)
            : options.EndOfSequenceToken != null ? nameof(options.EndOfSequenceToken)
            : options.MaximumTokenCount != null ? nameof(options.MaximumTokenCount)
            : options.UnpairedSurrogates != UnpairedSurrogatePolicy.Replace ? nameof(options.UnpairedSurrogates)
            : null;
        // ONNX Runtime's string tensors are UTF-8, in which an unpaired surrogate becomes U+FFFD: the Replace policy.
        if (option != null)
            throw new NotSupportedException($"The text scorer does not reproduce the tokenizer option {option}; export a tokenizer with the default options.");
        return bpe;
    }

    private static MlNetScoringColumns Columns(LanguageModelTransformer model) =>
        new(LanguageModelScoreColumns.LogLikelihoodColumnName, LanguageModelScoreColumns.TokenCountColumnName,
            LanguageModelScoreColumns.PerplexityColumnName, model.Columns.TokenLogProbabilities ? LanguageModelScoringMapper.TokenLogProbabilitiesColumnName : null);

    private static string[] Outputs(MlNetScoringColumns columns) => columns.TokenLogProbabilities is string name
        ? [columns.LogLikelihood, columns.TokenCount, columns.Perplexity, name]
        : [columns.LogLikelihood, columns.TokenCount, columns.Perplexity];
}
