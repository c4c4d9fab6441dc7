using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Trainers.Density;

namespace ArML.Trainers.VectorQuantization;

/// <summary>The image column a VQ-VAE reads and how its values are checked.</summary>
internal static class VectorQuantizerColumns
{
    /// <summary>Accepts every finite value (the reader rejects NaN and names the row); a one-component mixture's check.</summary>
    public static readonly ConditionalDistribution ValueCheck = new GaussianMixtureDistribution(1);

    /// <summary>The image column: a vector of Single or Boolean of <paramref name="shape"/>'s size (or of variable size).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing, of another type, or of another fixed size.</exception>
    public static DataViewSchema.Column RequireImages(DataViewSchema schema, string name, VectorQuantizerShape shape)
    {
        var column = DensityColumns.RequireFeatures(schema, name);
        if (((VectorDataViewType)column.Type).Size is int size and > 0 && size != shape.Dimension)
            throw new ArgumentOutOfRangeException(nameof(name),
                $"Column '{name}' (images) holds vectors of {size} values, but an image of {shape.Height} × {shape.Width} × {shape.Channels} has {shape.Dimension}.");
        return column;
    }

    /// <summary>
    /// The codes column a decoder reads: a vector of UInt32 keys (key = code + 1, at most K keys) or of Single holding
    /// the codes 0 … K − 1 (as a density model samples them), of <paramref name="shape"/>'s code count or of variable size.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing, of another type or size, or has more keys than the codebook.</exception>
    public static DataViewSchema.Column RequireCodes(DataViewSchema schema, string name, VectorQuantizerShape shape)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(name), $"Column '{name}' (codes) was not found in the input schema.");
        if (column.Type is not VectorDataViewType vector
            || !(vector.ItemType == NumberDataViewType.Single || vector.ItemType is KeyDataViewType { RawType: var raw } && raw == typeof(uint)))
            throw new ArgumentOutOfRangeException(nameof(name), $"Column '{name}' (codes) must be a vector of UInt32 keys or of Single, but is {column.Type}.");
        if (vector.ItemType is KeyDataViewType key && key.Count > (ulong)shape.CodebookSize)
            throw new ArgumentOutOfRangeException(nameof(name), $"Column '{name}' (codes) holds keys 1 … {key.Count}, but the codebook has {shape.CodebookSize} codes.");
        if (vector.Size != 0 && vector.Size != shape.CodeCount)
            throw new ArgumentOutOfRangeException(nameof(name),
                $"Column '{name}' (codes) holds vectors of {vector.Size} codes, but a grid of {shape.GridHeight} × {shape.GridWidth} has {shape.CodeCount}.");
        return column;
    }

    /// <summary>How the training data stores rows: a bit per value for Boolean columns, a float otherwise.</summary>
    public static OutputDistribution Storage(DataViewSchema.Column column) =>
        ((VectorDataViewType)column.Type).ItemType == BooleanDataViewType.Instance ? OutputDistribution.Bernoulli : OutputDistribution.GaussianMixture;
}
