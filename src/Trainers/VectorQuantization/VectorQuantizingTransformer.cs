using Microsoft.ML;
using ArML.Data;
using ArML.Persistence;
using ArML.Torch;

namespace ArML.Trainers.VectorQuantization;

/// <summary>
/// A trained VQ-VAE as an ML.NET transformer: a tokenizer for images. Each row's image becomes a grid of codes, a
/// key column any ArML language model can model; <see cref="Decode(IReadOnlyList{int})"/> turns codes (a row of the
/// column, or codes a language model sampled) back into an image.
/// </summary>
/// <remarks>
/// | Column | Type | Meaning |
/// |---|---|---|
/// | <see cref="InputColumnName"/> | Vector&lt;Single&gt; or Vector&lt;Boolean&gt; of Height × Width × Channels | input: the images |
/// | <see cref="OutputColumnName"/> | Vector&lt;Key&lt;UInt32, K&gt;, GridHeight × GridWidth&gt; | output: the codes, row-major, key = code + 1 |
///
/// A row whose vector has another length or holds NaN fails with an <see cref="InvalidDataException"/> naming the
/// column and row. Encoding is lazy and batched (<see cref="ScoringBatchSize"/> rows per pass) and safe with
/// concurrent cursors. The transformer owns native memory: dispose it when done. Save with
/// <c>mlContext.Model.SaveArml</c>.
/// </remarks>
public sealed class VectorQuantizingTransformer : RowMappingTransformer, IArmlPersistable, IDisposable
{
    internal VectorQuantizingTransformer(VectorQuantizerModel model, string outputColumnName, string inputColumnName, int scoringBatchSize,
        VectorQuantizerMetrics? metrics)
    {
        Model = model;
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
        ScoringBatchSize = scoringBatchSize;
        Metrics = metrics;
    }

    internal VectorQuantizerModel Model { get; }

    /// <summary>The codes column produced.</summary>
    public string OutputColumnName { get; }

    /// <summary>The image column read.</summary>
    public string InputColumnName { get; }

    /// <summary>Rows of the image.</summary>
    public int Height => Model.Shape.Height;

    /// <summary>Columns of the image.</summary>
    public int Width => Model.Shape.Width;

    /// <summary>Values per pixel.</summary>
    public int Channels => Model.Shape.Channels;

    /// <summary>Codebook vectors K: codes are 0 … K − 1 (keys 1 … K).</summary>
    public int CodebookSize => Model.Shape.CodebookSize;

    /// <summary>Rows of the code grid.</summary>
    public int GridHeight => Model.Shape.GridHeight;

    /// <summary>Columns of the code grid.</summary>
    public int GridWidth => Model.Shape.GridWidth;

    /// <summary>Codes per image: GridHeight × GridWidth.</summary>
    public int CodeCount => Model.Shape.CodeCount;

    /// <summary>Images encoded per forward pass.</summary>
    public int ScoringBatchSize { get; }

    /// <summary>Reconstruction error and codebook usage measured when the model was trained; kept in the saved file.</summary>
    public VectorQuantizerMetrics? Metrics { get; }

    /// <inheritdoc/>
    internal override BatchRowMapper CreateMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var column = VectorQuantizerColumns.RequireImages(inputSchema, InputColumnName, Model.Shape);
        return new VectorQuantizerMapper(inputSchema, column, Model, OutputColumnName, ScoringBatchSize);
    }

    /// <summary>The codes (zero-based, row-major over the grid) of one image of Height × Width × Channels values.</summary>
    /// <exception cref="ArgumentException">The image has another length or holds a value that is not finite.</exception>
    public int[] Encode(IReadOnlyList<float> image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Count != Model.Shape.Dimension)
            throw new ArgumentException($"The image holds {image.Count} values; the model reads {Height} × {Width} × {Channels} = {Model.Shape.Dimension}.", nameof(image));
        var values = image.ToArray();
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) throw new ArgumentException($"The image holds {values[i]} at index {i}.", nameof(image));
        var codes = new int[CodeCount];
        Model.Encode(values, 1, codes);
        return codes;
    }

    /// <summary>
    /// The image (Height × Width × Channels values, row-major, channels last) decoded from <paramref name="codes"/>:
    /// <see cref="CodeCount"/> zero-based codes (key − 1), as <c>LanguageModelTransformer.GenerateTokens</c> returns them.
    /// </summary>
    /// <exception cref="ArgumentException">There are not exactly <see cref="CodeCount"/> codes, or one is outside 0 … K − 1.</exception>
    public float[] Decode(IReadOnlyList<int> codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.Count != CodeCount)
            throw new ArgumentException($"{codes.Count} codes were given; an image is a grid of {GridHeight} × {GridWidth} = {CodeCount} codes.", nameof(codes));
        for (int i = 0; i < codes.Count; i++)
            if ((uint)codes[i] >= (uint)CodebookSize)
                throw new ArgumentException($"Code {codes[i]} at position {i} is outside the codebook (0 … {CodebookSize - 1}).", nameof(codes));
        var image = new float[Model.Shape.Dimension];
        Model.Decode(codes.ToArray(), 1, image);
        return image;
    }

    /// <inheritdoc/>
    public string ArmlKind => "ArML.VectorQuantizer";

    /// <inheritdoc/>
    public int ArmlKindVersion => LayoutVersions.VectorQuantizer;

    /// <inheritdoc/>
    public void SaveArml(ArmlComponentWriter writer)
    {
        writer.WriteJson("config.json", new VectorQuantizerConfig(OutputColumnName, InputColumnName, Model.Shape, ScoringBatchSize, Metrics));
        writer.WriteTensors("weights.safetensors", ModuleWeights.Export(Model.Network));
    }

    /// <inheritdoc/>
    public void Dispose() => Model.Dispose();
}
