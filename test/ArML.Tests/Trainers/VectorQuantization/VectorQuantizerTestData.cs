using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Tests.Trainers.VectorQuantization;

/// <summary>Tiny seeded images for VQ-VAE tests: 8 × 8 binary pictures of one horizontal or vertical bar, two pixels wide.</summary>
internal static class VectorQuantizerTestData
{
    public const int Side = 8;

    public sealed class ImageRow
    {
        public float[] Pixels { get; set; } = [];
    }

    public static List<float[]> Bars(int count, int seed)
    {
        var random = new Random(seed);
        var images = new List<float[]>(count);
        for (int n = 0; n < count; n++)
        {
            var image = new float[Side * Side];
            bool vertical = random.Next(2) == 0;
            int at = random.Next(Side - 1);
            for (int i = 0; i < Side; i++)
                for (int w = 0; w < 2; w++)
                    image[vertical ? i * Side + at + w : (at + w) * Side + i] = 1;
            images.Add(image);
        }
        return images;
    }

    /// <summary>A view with one column "Pixels"; <paramref name="size"/> 0 makes it a variable-size vector.</summary>
    public static IDataView Load(MLContext ml, IEnumerable<float[]> images, int size = Side * Side)
    {
        var schema = SchemaDefinition.Create(typeof(ImageRow));
        schema[nameof(ImageRow.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        return ml.Data.LoadFromEnumerable(images.Select(i => new ImageRow { Pixels = i }), schema);
    }

    public sealed class CodesRow
    {
        public uint[] Codes { get; set; } = [];
    }

    public sealed class SingleCodesRow
    {
        public float[] Codes { get; set; } = [];
    }

    /// <summary>A view with one column "Codes" of keys 1 … <paramref name="keyCount"/>; <paramref name="size"/> 0 makes it a variable-size vector.</summary>
    public static IDataView LoadKeys(MLContext ml, IEnumerable<uint[]> keys, ulong keyCount, int size)
    {
        var schema = SchemaDefinition.Create(typeof(CodesRow));
        schema[nameof(CodesRow.Codes)].ColumnType = new VectorDataViewType(new KeyDataViewType(typeof(uint), keyCount), size);
        return ml.Data.LoadFromEnumerable(keys.Select(k => new CodesRow { Codes = k }), schema);
    }

    /// <summary>A view with one column "Codes" of Single codes, as a density model samples them.</summary>
    public static IDataView LoadSingles(MLContext ml, IEnumerable<float[]> codes, int size)
    {
        var schema = SchemaDefinition.Create(typeof(SingleCodesRow));
        schema[nameof(SingleCodesRow.Codes)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        return ml.Data.LoadFromEnumerable(codes.Select(c => new SingleCodesRow { Codes = c }), schema);
    }

    /// <summary>Mean squared error per value of decode(encode(x)), accumulated in float64 here rather than by the model.</summary>
    public static double ReconstructionError(ArML.Trainers.VectorQuantization.VectorQuantizingTransformer quantizer, List<float[]> images)
    {
        double sum = 0;
        foreach (var image in images)
        {
            var decoded = quantizer.Decode(quantizer.Encode(image));
            for (int i = 0; i < image.Length; i++) sum += Math.Pow((double)decoded[i] - image[i], 2);
        }
        return sum / (images.Count * (double)images[0].Length);
    }
}
