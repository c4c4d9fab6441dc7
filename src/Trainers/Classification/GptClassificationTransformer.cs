using ArML.Data;
using ArML.Persistence;
using ArML.Schema;
using ArML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace ArML.Trainers.Classification;

/// <summary>
/// A trained GPT classifier as an ML.NET transformer: reads a token column and adds the columns ML.NET's
/// classification evaluators and <c>PredictionEngine</c> expect.
/// </summary>
/// <remarks>
/// | Column | Type | Meaning |
/// |---|---|---|
/// | Score (multiclass) | Vector&lt;Single&gt; of the class count | class probabilities (slot names: the label's key values) |
/// | PredictedLabel (multiclass) | Key&lt;UInt32&gt; of the class count | the most probable class (key values: the label's) |
/// | Score (binary) | Single | logit of true minus logit of false |
/// | Probability (binary) | Single | probability of true, σ(Score) |
/// | PredictedLabel (binary) | Boolean | Probability above 0.5 |
///
/// A row is read as SEP, its first ContextLength − 2 tokens and SEP; the head reads the final SEP's hidden state, so
/// a row's output depends on nothing but its own tokens (not on the padding or the rows batched with it). Thread-safe:
/// calls into the network are serialized. Owns native memory: dispose it when done. Save with
/// <c>mlContext.Model.SaveArml</c>.
/// </remarks>
public sealed class GptClassificationTransformer : RowMappingTransformer, IArmlPersistable, IDisposable
{
    private readonly object _gate = new();

    internal GptClassificationTransformer(GptClassifierNetwork network, TokenKeyMap keyMap, TokenIdLayout layout, string tokenColumnName,
        bool binary, string[]? classNames, int scoringBatchSize, Device device)
    {
        Network = network;
        KeyMap = keyMap;
        Layout = layout;
        TokenColumnName = tokenColumnName;
        IsBinary = binary;
        ClassNames = classNames;
        ScoringBatchSize = scoringBatchSize;
        Device = device;
        network.eval();
    }

    internal GptClassifierNetwork Network { get; }

    internal TokenIdLayout Layout { get; }

    internal Device Device { get; }

    /// <summary>How the token column's keys become the network's ids (keys never seen in training read as its unknown token).</summary>
    internal TokenKeyMap KeyMap { get; }

    /// <summary>The token column read.</summary>
    public string TokenColumnName { get; }

    /// <summary>Whether this is a binary classifier (Boolean label) rather than a multiclass one (key label).</summary>
    public bool IsBinary { get; }

    /// <summary>Classes (2 for a binary classifier).</summary>
    public int ClassCount => Network.ClassCount;

    /// <summary>The label's key values at training time (multiclass), or null.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>Rows classified per forward pass.</summary>
    public int ScoringBatchSize { get; }

    /// <summary>Positions the network attends over; a row is read up to ContextLength − 2 tokens.</summary>
    public int ContextLength => Network.Gpt.Config.ContextLength;

    /// <inheritdoc/>
    internal override BatchRowMapper CreateMapper(DataViewSchema inputSchema)
    {
        var column = ColumnChecks.RequireTokenKeys(inputSchema, TokenColumnName);
        ulong count = ((KeyDataViewType)((VectorDataViewType)column.Type).ItemType).Count;
        if (count != (ulong)KeyMap.ColumnKeyCount)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Column '{TokenColumnName}' has key count {count}, but the classifier was trained on key count {KeyMap.ColumnKeyCount}: tokenize with the same tokenizer.");
        return new GptClassificationMapper(inputSchema, column, this);
    }

    /// <summary>The output columns alone, for estimators' <c>GetOutputSchema</c>.</summary>
    internal static DataViewSchema OutputSchema(bool binary, int classCount, IReadOnlyList<string>? classNames)
    {
        var builder = new DataViewSchema.Builder();
        foreach (var column in GptClassificationMapper.Outputs(binary, classCount, classNames)) builder.AddColumn(column.Name, column.Type, column.Annotations);
        return builder.ToSchema();
    }

    /// <summary>Class logits of framed rows (<see cref="ClassifierRows.Frame"/>): rows × classes, row-major.</summary>
    internal float[] Logits(IReadOnlyList<int[]> framed)
    {
        lock (_gate)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var (idx, last, _, _, _) = ClassifierBatch.Build(framed, Enumerable.Range(0, framed.Count).ToArray(), Device, withTargets: false);
            var (logits, _) = Network.Forward(idx, last);
            return logits.to(CPU).data<float>().ToArray();
        }
    }

    /// <inheritdoc/>
    public string ArmlKind => GptClassificationLoader.Kind;

    /// <inheritdoc/>
    public int ArmlKindVersion => 1;

    /// <inheritdoc/>
    public void SaveArml(ArmlComponentWriter writer)
    {
        writer.WriteJson("config.json", new GptClassificationConfig(TokenColumnName, IsBinary, ClassCount, ClassNames?.ToArray(), Layout,
            Network.Gpt.Config, ScoringBatchSize));
        TokenKeyMapFile.Write(writer, KeyMap);
        writer.WriteTensors("weights.safetensors", Network.Gpt.MergedWeights());   // adapters, if any, folded in
        writer.WriteTensors("head.safetensors", ModuleWeights.Export(Network.Head));
    }

    /// <summary>Releases the network's native memory.</summary>
    public void Dispose() => Network.Dispose();
}
