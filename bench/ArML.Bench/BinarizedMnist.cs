using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Bench;

/// <summary>
/// The shared binarized MNIST (Larochelle &amp; Murray's fixed binarization): rows of 98 bytes, 784 pixels packed
/// most significant bit first (see ../shared/data/binarized_mnist/README.md).
/// </summary>
internal static class BinarizedMnist
{
    public const int Pixels = 784;

    public sealed class Image
    {
        public bool[] Pixels { get; set; } = [];
    }

    /// <summary>The images of <paramref name="file"/> (train.bin, valid.bin or test.bin), at most <paramref name="limit"/>.</summary>
    public static List<bool[]> Read(string file, int? limit = null)
    {
        byte[] bytes = File.ReadAllBytes(file);
        if (bytes.Length % (Pixels / 8) != 0) throw new InvalidDataException($"{file}: {bytes.Length} bytes is not a whole number of 98-byte rows.");
        int rows = Math.Min(bytes.Length / (Pixels / 8), limit ?? int.MaxValue);
        var images = new List<bool[]>(rows);
        for (int r = 0; r < rows; r++)
        {
            var image = new bool[Pixels];
            for (int j = 0; j < Pixels; j++) image[j] = (bytes[r * (Pixels / 8) + j / 8] >> (7 - j % 8) & 1) != 0;
            images.Add(image);
        }
        return images;
    }

    /// <summary>A data view with one column "Pixels" of type Vector&lt;Boolean, 784&gt;.</summary>
    public static IDataView Load(MLContext ml, IEnumerable<bool[]> images)
    {
        var schema = SchemaDefinition.Create(typeof(Image));
        schema[nameof(Image.Pixels)].ColumnType = new VectorDataViewType(BooleanDataViewType.Instance, Pixels);
        return ml.Data.LoadFromEnumerable(images.Select(i => new Image { Pixels = i }), schema);
    }

    /// <summary>
    /// The baseline: independent pixels, each a Bernoulli with its (add-half smoothed) training frequency. Returns the
    /// mean negative log-likelihood of <paramref name="test"/> in nats per image, in closed form.
    /// </summary>
    public static double IndependentPixelsNll(List<bool[]> train, List<bool[]> test)
    {
        var logOn = new double[Pixels];
        var logOff = new double[Pixels];
        for (int j = 0; j < Pixels; j++)
        {
            double ones = train.Count(image => image[j]);
            double p = (ones + 0.5) / (train.Count + 1);
            logOn[j] = Math.Log(p);
            logOff[j] = Math.Log(1 - p);
        }
        return -test.Average(image => Enumerable.Range(0, Pixels).Sum(j => image[j] ? logOn[j] : logOff[j]));
    }
}
