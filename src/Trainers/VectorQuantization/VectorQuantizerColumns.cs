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

    /// <summary>How the training data stores rows: a bit per value for Boolean columns, a float otherwise.</summary>
    public static OutputDistribution Storage(DataViewSchema.Column column) =>
        ((VectorDataViewType)column.Type).ItemType == BooleanDataViewType.Instance ? OutputDistribution.Bernoulli : OutputDistribution.GaussianMixture;
}
