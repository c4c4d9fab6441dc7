using Microsoft.ML;
using ArML.Data;
using ArML.Persistence;
using ArML.Torch;

namespace ArML.Trainers.VectorQuantization;

/// <summary>
/// A trained VQ-VAE's decoder as an ML.NET transformer: each row's grid of codes becomes an image, the inverse of
/// <see cref="VectorQuantizingTransformer"/>. Create it with <c>mlContext.Transforms.VectorDequantize</c>.
/// </summary>
/// <remarks>
/// | Column | Type | Meaning |
/// |---|---|---|
/// | <see cref="InputColumnName"/> | Vector&lt;Key&lt;UInt32, at most K&gt;&gt; (key = code + 1) or Vector&lt;Single&gt; (codes 0 … K − 1), of GridHeight × GridWidth | input: the codes, row-major |
/// | <see cref="OutputColumnName"/> | Vector&lt;Single, Height × Width × Channels&gt; | output: the decoded images, row-major, channels last |
///
/// A row with another number of codes, a missing key or a code outside the codebook fails with an
/// <see cref="InvalidDataException"/> naming the column and row. Decoding is lazy and batched
/// (<see cref="ScoringBatchSize"/> rows per pass) and safe with concurrent cursors; each row equals
/// <see cref="VectorQuantizingTransformer.Decode(IReadOnlyList{int})"/> of its codes. A decoder created from a quantizer
/// shares the quantizer's network, which the quantizer owns; one loaded from a file owns its own copy: dispose it when
/// done. Save with <c>mlContext.Model.SaveArml</c> (the file holds the whole network).
/// </remarks>
public sealed class VectorDequantizingTransformer : RowMappingTransformer, IArmlPersistable, IDisposable
{
    private readonly bool _ownsModel;

    internal VectorDequantizingTransformer(VectorQuantizerModel model, bool ownsModel, string outputColumnName, string inputColumnName, int scoringBatchSize)
    {
        Model = model;
        _ownsModel = ownsModel;
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
        ScoringBatchSize = scoringBatchSize;
    }

    internal VectorQuantizerModel Model { get; }

    /// <summary>The images column produced.</summary>
    public string OutputColumnName { get; }

    /// <summary>The codes column read.</summary>
    public string InputColumnName { get; }

    /// <summary>Rows of the image.</summary>
    public int Height => Model.Shape.Height;

    /// <summary>Columns of the image.</summary>
    public int Width => Model.Shape.Width;

    /// <summary>Values per pixel.</summary>
    public int Channels => Model.Shape.Channels;

    /// <summary>Codebook vectors K: codes are 0 … K − 1 (keys 1 … K).</summary>
    public int CodebookSize => Model.Shape.CodebookSize;

    /// <summary>Codes per image: GridHeight × GridWidth.</summary>
    public int CodeCount => Model.Shape.CodeCount;

    /// <summary>Images decoded per forward pass.</summary>
    public int ScoringBatchSize { get; }

    /// <inheritdoc/>
    internal override BatchRowMapper CreateMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var column = VectorQuantizerColumns.RequireCodes(inputSchema, InputColumnName, Model.Shape);
        return new VectorDequantizerMapper(inputSchema, column, Model, OutputColumnName, ScoringBatchSize);
    }

    /// <inheritdoc/>
    public string ArmlKind => "ArML.VectorDequantizer";

    /// <inheritdoc/>
    public int ArmlKindVersion => LayoutVersions.VectorDequantizer;

    /// <inheritdoc/>
    public void SaveArml(ArmlComponentWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteJson("config.json", new VectorDequantizerConfig(OutputColumnName, InputColumnName, Model.Shape, ScoringBatchSize));
        writer.WriteTensors("weights.safetensors", ModuleWeights.Export(Model.Network));
    }

    /// <summary>Releases the network if this decoder owns it (it was loaded from a file); a quantizer's shared network stays.</summary>
    public void Dispose()
    {
        if (_ownsModel) Model.Dispose();
    }
}

/// <summary>What a saved <see cref="VectorDequantizingTransformer"/>'s config.json holds.</summary>
/// <param name="OutputColumnName">The images column produced.</param>
/// <param name="InputColumnName">The codes column read.</param>
/// <param name="Shape">Image and network sizes.</param>
/// <param name="ScoringBatchSize">Images per forward pass.</param>
internal sealed record VectorDequantizerConfig(string OutputColumnName, string InputColumnName, VectorQuantizerShape Shape, int ScoringBatchSize);

/// <summary>Reads a <see cref="VectorDequantizingTransformer"/> saved by <c>SaveArml</c> (kind "ArML.VectorDequantizer").</summary>
internal sealed class VectorDequantizerLoader : IArmlComponentLoader
{
    /// <inheritdoc/>
    public ITransformer Load(ArmlComponentReader reader, ArmlLoadContext context)
    {
        ArgumentNullException.ThrowIfNull(reader);
        LayoutVersions.Require(reader, LayoutVersions.VectorDequantizer, "Vector dequantizer");
        var config = reader.ReadJson<VectorDequantizerConfig>("config.json");
        if (VectorQuantizerLoader.Problem(config.OutputColumnName, config.InputColumnName, config.Shape, config.ScoringBatchSize) is string problem)
            throw new ArmlModelFormatException($"The vector dequantizer's config.json is inconsistent: {problem}.");
        var model = VectorQuantizerLoader.LoadModel(reader, context, config.Shape);
        return new VectorDequantizingTransformer(model, ownsModel: true, config.OutputColumnName, config.InputColumnName, config.ScoringBatchSize);
    }
}
