using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Examples.ImageTokens;

/// <summary>
/// The shared binarized MNIST (../shared/data/binarized_mnist: rows of 98 bytes, 784 pixels packed most significant
/// bit first) as float images of 0 and 1.
/// </summary>
public static class MnistImages
{
    public const int Side = 28;
    private const int BytesPerRow = Side * Side / 8;

    public sealed class Row
    {
        public float[] Pixels { get; set; } = [];
    }

    /// <summary>At most <paramref name="limit"/> images of <paramref name="file"/>.</summary>
    public static List<float[]> Read(string file, int limit)
    {
        byte[] bytes = File.ReadAllBytes(file);
        if (bytes.Length % BytesPerRow != 0) throw new InvalidDataException($"{file}: {bytes.Length} bytes is not a whole number of {BytesPerRow}-byte rows.");
        int rows = Math.Min(bytes.Length / BytesPerRow, limit);
        var images = new List<float[]>(rows);
        for (int r = 0; r < rows; r++)
        {
            var image = new float[Side * Side];
            for (int j = 0; j < image.Length; j++) image[j] = bytes[r * BytesPerRow + j / 8] >> (7 - j % 8) & 1;
            images.Add(image);
        }
        return images;
    }

    /// <summary>A view with one column "Pixels" of type Vector&lt;Single, 784&gt;.</summary>
    public static IDataView Load(MLContext ml, IEnumerable<float[]> images)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Side * Side);
        return ml.Data.LoadFromEnumerable(images.Select(i => new Row { Pixels = i }), schema);
    }

    /// <summary>The folder of train.bin, valid.bin and test.bin: ../shared/data/binarized_mnist above the program or the working folder.</summary>
    public static string? Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "shared", "data", "binarized_mnist");
                if (File.Exists(Path.Combine(candidate, "train.bin"))) return candidate;
            }
        return null;
    }
}
