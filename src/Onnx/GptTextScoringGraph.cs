using ArML.Data;
using ArML.Persistence;
using ArML.Trainers;
using ArML.Transforms.Text;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace ArML.Onnx;

/// <summary>
/// The scoring graph that reads text: one row's string in (ML.NET's text column), tokenized inside the graph by ONNX
/// Runtime Extensions' GPT2Tokenizer operator over the model's byte-level BPE files, mapped to model ids, framed and
/// scored as <see cref="GptKeyScoringGraph"/> does.
/// </summary>
/// <remarks>
/// The operator splits GPT-2's end-of-text string out of the text before BPE (it is the operator's unknown, begin and
/// end token), where ArML encodes the string as ordinary text (tiktoken's encode_ordinary). Its id is therefore mapped
/// past the vocabulary, as an id the model cannot read: a row containing that string fails in ONNX Runtime, naming
/// <see cref="GptKeyScoringGraph.ModelIdCheck"/>, instead of being scored differently from ArML. Every other string
/// the operator tokenizes as ArML's <see cref="BpeVocabulary"/> does (the tests compare them id for id).
/// </remarks>
internal static class GptTextScoringGraph
{
    /// <summary>The custom-operator domain of ONNX Runtime Extensions.</summary>
    public const string ExtensionsDomain = "ai.onnx.contrib";

    /// <summary>ONNX Runtime Extensions' byte-level BPE tokenizer operator.</summary>
    public const string TokenizerOperator = "GPT2Tokenizer";

    /// <summary>The string ONNX Runtime Extensions' GPT2Tokenizer always treats as special (its unknown, begin and end token).</summary>
    public const string OperatorSpecialToken = "<|endoftext|>";

    public static ModelProto Build(GptOnnxShape shape, TokenIdLayout ids, TokenKeyMap keyMap, BpeVocabulary bpe, string textColumn,
        IReadOnlyDictionary<string, TensorData> weights, DataType type, MlNetScoringColumns columns)
    {
        var g = new OnnxGraph("arml_gpt_text_scoring");
        var row = TokenIds(g, bpe, g.Input(textColumn, DataType.String, 1L, 1L));
        // One entry past the vocabulary: the operator gives its special string that id when vocab.json lacks it.
        var table = new long[bpe.VocabularySize + 1];
        for (int id = 0; id < bpe.VocabularySize; id++) table[id] = GptKeyScoringGraph.ModelId(keyMap, id, shape);
        // The operator's own special string: never an id ArML's tokenizer gives for text (see remarks).
        int special = bpe.BpeTokenizer.Vocabulary.TryGetValue(OperatorSpecialToken, out int entry) ? entry : bpe.VocabularySize;
        table[special] = shape.Config.VocabularySize;
        var modelIds = GptKeyScoringGraph.Checked(g, g.Node("Gather", [g.Int64Table("token_to_model_id", table), row]), shape);
        GptKeyScoringGraph.Finish(g, shape, ids, modelIds, weights, type, columns);
        return g.ToModel($"ArML GPT scoring graph for ML.NET: {textColumn} string [1, 1] (one row's text) in, tokenized by ONNX Runtime Extensions' " +
            $"{TokenizerOperator}; the row's scores out.");
    }

    /// <summary>
    /// The tokenizer ids (1-D int64) of <paramref name="text"/> (a string tensor holding one string), by the operator
    /// over the vocabulary's vocab.json and merges.txt: the operator returns [input shape…, n], reshaped to [n].
    /// </summary>
    internal static string TokenIds(OnnxGraph g, BpeVocabulary bpe, string text)
    {
        var ids = g.CustomNode(ExtensionsDomain, TokenizerOperator, [text], 1, ("vocab", bpe.GetVocabJson()), ("merges", bpe.GetMergesText()))[0];
        return g.Node("Reshape", [ids, g.Int64s(-1)]);
    }

    /// <summary>A graph of the tokenizer alone (text string [1, 1] in, int64 ids [n] out), for checking it against ArML's.</summary>
    internal static ModelProto TokenizerOnly(BpeVocabulary bpe)
    {
        var g = new OnnxGraph("arml_gpt2_tokenizer");
        g.NodeNamed("ids", "Identity", [TokenIds(g, bpe, g.Input("text", DataType.String, 1L, 1L))]);
        g.Output("ids", DataType.Int64, "n");
        return g.ToModel("ONNX Runtime Extensions' GPT2Tokenizer over an ArML byte-level BPE vocabulary.");
    }
}
