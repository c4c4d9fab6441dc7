using ArML.Persistence;
using ArML.Transforms.Audio;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Transforms.Audio;

/// <summary>
/// μ-law encoding and decoding against a float64 computation written here from the definition (the nearest of the
/// levels grid points found by search, the inverse curve evaluated directly), the round-trip bound derived from the
/// quantization step, column shapes, bad input and saving.
/// </summary>
public class MuLawTests
{
    private static readonly MLContext Ml = new(seed: 1);

    public sealed class Clip
    {
        public float[] Audio { get; set; } = [];
    }

    public sealed class Sample
    {
        public float Audio { get; set; }
    }

    private static IDataView Clips(float[][] rows, int fixedLength = 0)
    {
        var schema = SchemaDefinition.Create(typeof(Clip));
        if (fixedLength > 0) schema[nameof(Clip.Audio)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, fixedLength);
        return Ml.Data.LoadFromEnumerable(rows.Select(r => new Clip { Audio = r }).ToArray(), schema);
    }

    private static T[][] Vectors<T>(IDataView view, string column) =>
        view.GetColumn<VBuffer<T>>(column).Select(v => v.DenseValues().ToArray()).ToArray();

    // The definition in float64: F(x) = sgn(x) ln(1 + μ|x|) / ln(1 + μ), then the nearest of the points 2k/μ − 1; a tie
    // (x = 0 when μ is odd) goes to the level above, as documented.
    private static int ReferenceLevel(double x, int levels)
    {
        double mu = levels - 1, f = Math.Sign(x) * Math.Log(1 + mu * Math.Abs(x)) / Math.Log(1 + mu);
        double nearest = Enumerable.Range(0, levels).Min(k => Math.Abs(2 * k / mu - 1 - f));
        return Enumerable.Range(0, levels).Last(k => Math.Abs(2 * k / mu - 1 - f) < nearest + 1e-12);
    }

    private static double ReferenceSample(int level, int levels)
    {
        double mu = levels - 1, y = 2 * level / mu - 1;
        return Math.Sign(y) * (Math.Pow(1 + mu, Math.Abs(y)) - 1) / mu;
    }

    private static float[] RandomAudio(int count, int seed)
    {
        var random = new Random(seed);
        // Quiet and loud samples alike (μ-law's point), and the edges.
        return [-1, 0, 1, 1e-6f, -1e-6f, .. Enumerable.Range(0, count).Select(i => (float)((random.NextDouble() * 2 - 1) * Math.Pow(10, -3 * random.NextDouble())))];
    }

    [Theory]
    [InlineData(256)]
    [InlineData(16)]
    [InlineData(2)]
    public void EncodingAndDecodingFollowTheFloat64Definition(int levels)
    {
        var audio = RandomAudio(2000, seed: levels);
        var model = Ml.Transforms.MuLawEncode("Levels", "Audio", levels).Append(Ml.Transforms.MuLawDecode("Decoded", "Levels", levels)).Fit(Clips([audio]));
        var scored = model.Transform(Clips([audio]));
        Assert.Equal(new KeyDataViewType(typeof(uint), levels), ((VectorDataViewType)scored.Schema["Levels"].Type).ItemType);

        var keys = Vectors<uint>(scored, "Levels")[0];
        var decoded = Vectors<float>(scored, "Decoded")[0];
        for (int i = 0; i < audio.Length; i++)
        {
            int level = ReferenceLevel(audio[i], levels);
            Assert.True(keys[i] == level + 1, $"sample {audio[i]:R}: key {keys[i]}, expected {level + 1}");
            double expected = ReferenceSample(level, levels);
            // One rounding to float32 (half an ulp) plus float64 pow's last bits.
            Assert.True(Math.Abs(decoded[i] - expected) <= 1e-7 * Math.Abs(expected) + 1e-12, $"level {level}: decoded {decoded[i]:R}, expected {expected:R}");
        }
    }

    // F(x) lies within half a step (1/μ) of its level's point; F⁻¹'s slope grows as (1 + μ)^|y|, so the round trip
    // is off by at most (|x| + 1/μ)((1 + μ)^(1/μ) − 1). The largest error reaches most of the bound: it is tight.
    [Theory]
    [InlineData(256)]
    [InlineData(15)]
    public void TheRoundTripErrorIsWithinTheBoundOfTheQuantizationStep(int levels)
    {
        var audio = Enumerable.Range(-20000, 40001).Select(i => (float)(i / 20000.0)).ToArray();
        var scored = Ml.Transforms.MuLawEncode("Levels", "Audio", levels).Append(Ml.Transforms.MuLawDecode("Decoded", "Levels", levels))
            .Fit(Clips([audio])).Transform(Clips([audio]));
        var decoded = Vectors<float>(scored, "Decoded")[0];
        double mu = levels - 1, growth = Math.Pow(1 + mu, 1 / mu) - 1, worst = 0;
        for (int i = 0; i < audio.Length; i++)
        {
            double bound = (Math.Abs(audio[i]) + 1 / mu) * growth, error = Math.Abs(decoded[i] - (double)audio[i]);
            Assert.True(error <= bound * (1 + 1e-6) + 1e-7, $"sample {audio[i]:R} decoded to {decoded[i]:R}: error {error:G4} above the bound {bound:G4}");
            worst = Math.Max(worst, error / bound);
        }
        Assert.True(worst > 0.5, $"the largest error is only {worst:P0} of the bound");
    }

    [Fact]
    public void ScalarAndFixedSizeColumnsKeepTheirShape()
    {
        var fixedSize = Clips([[0.5f, -0.25f, 0], [1, -1, 0.001f]], fixedLength: 3);
        var scored = Ml.Transforms.MuLawEncode("Levels", "Audio").Append(Ml.Transforms.MuLawDecode("Decoded", "Levels")).Fit(fixedSize).Transform(fixedSize);
        Assert.Equal(new VectorDataViewType(new KeyDataViewType(typeof(uint), 256), 3), scored.Schema["Levels"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 3), scored.Schema["Decoded"].Type);
        Assert.Equal([(uint)ReferenceLevel(1, 256) + 1, (uint)ReferenceLevel(-1, 256) + 1, (uint)ReferenceLevel(0.001, 256) + 1], Vectors<uint>(scored, "Levels")[1]);

        var scalars = Ml.Data.LoadFromEnumerable(new[] { new Sample { Audio = 0.3f }, new Sample { Audio = -0.7f } });
        var scalarScored = Ml.Transforms.MuLawEncode("Levels", "Audio", 64).Append(Ml.Transforms.MuLawDecode("Decoded", "Levels", 64)).Fit(scalars).Transform(scalars);
        Assert.Equal(new KeyDataViewType(typeof(uint), 64), scalarScored.Schema["Levels"].Type);
        Assert.Equal([(uint)ReferenceLevel(0.3, 64) + 1, (uint)ReferenceLevel(-0.7, 64) + 1], scalarScored.GetColumn<uint>("Levels").ToArray());
        Assert.Equal([(float)ReferenceSample(ReferenceLevel(0.3, 64), 64), (float)ReferenceSample(ReferenceLevel(-0.7, 64), 64)],
            scalarScored.GetColumn<float>("Decoded").ToArray());
    }

    [Theory]
    [InlineData(float.NaN, "holds NaN (a missing value) at index 2")]
    [InlineData(1.5f, "holds 1.5 at index 2")]
    [InlineData(float.NegativeInfinity, "holds -∞ at index 2")]
    public void ASampleOutsideTheRangeIsRefusedNamingTheColumnRowAndIndexNotClipped(float bad, string expected)
    {
        var rows = Enumerable.Range(0, 5).Select(_ => new[] { 0.1f, -0.2f, 0.3f }).ToArray();
        rows[3][2] = bad;
        var data = Clips(rows);
        var scored = Ml.Transforms.MuLawEncode("Levels", "Audio").Fit(data).Transform(data);   // lazy: nothing read yet
        var e = Assert.Throws<InvalidDataException>(() => Vectors<uint>(scored, "Levels"));
        Assert.Contains("Row 3 of column 'Audio'", e.Message);
        Assert.Contains(expected.Replace("-∞", float.NegativeInfinity.ToString("R", System.Globalization.CultureInfo.InvariantCulture)), e.Message);
        Assert.Contains("rather than clip", e.Message);
    }

    [Fact]
    public void DecodingRefusesAMissingKeyAndAnotherKeyCount()
    {
        var data = Clips([[0.1f, 0.2f]]);
        var encoded = Ml.Transforms.MuLawEncode("Levels", "Audio", 16).Fit(data).Transform(data);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Ml.Transforms.MuLawDecode("Decoded", "Levels", 256).Fit(encoded));
        Assert.Contains("Column 'Levels' has 16 keys, but the μ-law decoder has 256 levels", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ml.Transforms.MuLawDecode("Decoded", "Audio").Fit(data));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ml.Transforms.MuLawEncode("Levels", "Audio", levels: 1));

        var keys = Ml.Data.LoadFromEnumerable(new[] { new KeyRow { Levels = [3, 0, 5] }, new KeyRow { Levels = [1, 2, 3] } },
            KeyRow.Schema(16));
        var decoded = Ml.Transforms.MuLawDecode("Decoded", "Levels", 16).Fit(keys).Transform(keys);
        var missing = Assert.Throws<InvalidDataException>(() => Vectors<float>(decoded, "Decoded"));
        Assert.Contains("Row 0 of column 'Levels' holds the missing key 0 at position 1", missing.Message);
    }

    public sealed class KeyRow
    {
        public uint[] Levels { get; set; } = [];

        public static SchemaDefinition Schema(int levels)
        {
            var schema = SchemaDefinition.Create(typeof(KeyRow));
            schema[nameof(Levels)].ColumnType = new VectorDataViewType(new KeyDataViewType(typeof(uint), levels));
            return schema;
        }
    }

    [Fact]
    public void SavedEncoderAndDecoderLoadAndMapTheSame()
    {
        var data = Clips([RandomAudio(300, seed: 5)]);
        var model = Ml.Transforms.MuLawEncode("Levels", "Audio", 100).Append(Ml.Transforms.MuLawDecode("Decoded", "Levels", 100)).Fit(data);
        using var stream = new MemoryStream();
        Ml.Model.SaveArml(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = Ml.Model.LoadArml(stream, out _);
        var transformers = ((TransformerChain<ITransformer>)loaded).Cast<MuLawTransformer>().ToArray();
        Assert.Equal([(false, 100), (true, 100)], transformers.Select(t => (t.Decodes, t.Levels)));
        Assert.Equal(Vectors<float>(model.Transform(data), "Decoded"), Vectors<float>(loaded.Transform(data), "Decoded"));
        Assert.Equal(Vectors<uint>(model.Transform(data), "Levels"), Vectors<uint>(loaded.Transform(data), "Levels"));
    }
}
