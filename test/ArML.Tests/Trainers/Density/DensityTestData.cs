using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Tests.Trainers.Density;

public sealed class VectorRow
{
    public float[] Features { get; set; } = [];
}

public sealed class LabeledVectorRow
{
    public float[] Features { get; set; } = [];
    public float Label { get; set; }
}

public sealed class BoolVectorRow
{
    public bool[] Features { get; set; } = [];
}

/// <summary>Data views of vectors and small seeded sources of structured vectors for the density tests.</summary>
public static class DensityTestData
{
    /// <summary>Rows as a Features column of fixed size <paramref name="size"/> (0: variable size).</summary>
    public static IDataView Load(MLContext ml, IEnumerable<float[]> rows, int size)
    {
        var schema = SchemaDefinition.Create(typeof(VectorRow));
        schema[nameof(VectorRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        return ml.Data.LoadFromEnumerable(rows.Select(r => new VectorRow { Features = r }), schema);
    }

    public static IDataView LoadLabeled(MLContext ml, IEnumerable<(float[] Features, bool Outlier)> rows, int size)
    {
        var schema = SchemaDefinition.Create(typeof(LabeledVectorRow));
        schema[nameof(LabeledVectorRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        return ml.Data.LoadFromEnumerable(rows.Select(r => new LabeledVectorRow { Features = r.Features, Label = r.Outlier ? 1 : 0 }), schema);
    }

    public static IDataView LoadBool(MLContext ml, IEnumerable<bool[]> rows, int size)
    {
        var schema = SchemaDefinition.Create(typeof(BoolVectorRow));
        schema[nameof(BoolVectorRow.Features)].ColumnType = new VectorDataViewType(BooleanDataViewType.Instance, size);
        return ml.Data.LoadFromEnumerable(rows.Select(r => new BoolVectorRow { Features = r }), schema);
    }

    /// <summary>
    /// Binary vectors from a first-order Markov chain: x₀ ~ Bernoulli(p0), then xᵢ copies xᵢ₋₁ with probability
    /// <paramref name="stay"/>. Its entropy is exact: H(x₀) + (D − 1)·H(stay).
    /// </summary>
    public static float[][] MarkovChain(int rows, int dimension, int seed, double p0 = 0.3, double stay = 0.85)
    {
        var random = new Random(seed);
        var result = new float[rows][];
        for (int r = 0; r < rows; r++)
        {
            var x = new float[dimension];
            x[0] = random.NextDouble() < p0 ? 1 : 0;
            for (int i = 1; i < dimension; i++) x[i] = random.NextDouble() < stay ? x[i - 1] : 1 - x[i - 1];
            result[r] = x;
        }
        return result;
    }

    /// <summary>Exact entropy (nats) of <see cref="MarkovChain"/>.</summary>
    public static double MarkovChainEntropy(int dimension, double p0 = 0.3, double stay = 0.85) =>
        BinaryEntropy(p0) + (dimension - 1) * BinaryEntropy(stay);

    private static double BinaryEntropy(double p) => -(p * Math.Log(p) + (1 - p) * Math.Log(1 - p));

    /// <summary>Every binary vector of length <paramref name="dimension"/>, in counting order (bit i of the index is xᵢ).</summary>
    public static float[][] AllBinaryVectors(int dimension) =>
        Enumerable.Range(0, 1 << dimension).Select(v => Enumerable.Range(0, dimension).Select(i => (float)((v >> i) & 1)).ToArray()).ToArray();

    public static (double[] LogLikelihood, int[] TokenCount, float[] Score, bool[] Predicted) Scores(IDataView scored)
    {
        var ll = new List<double>();
        var tc = new List<int>();
        var sc = new List<float>();
        var pl = new List<bool>();
        var columns = new[] { "LogLikelihood", "TokenCount", "Score", "PredictedLabel" }.Select(n => scored.Schema[n]).ToArray();
        using var cursor = scored.GetRowCursor(columns);
        var g0 = cursor.GetGetter<double>(columns[0]);
        var g1 = cursor.GetGetter<int>(columns[1]);
        var g2 = cursor.GetGetter<float>(columns[2]);
        var g3 = cursor.GetGetter<bool>(columns[3]);
        double l = 0;
        int t = 0;
        float s = 0;
        bool p = false;
        while (cursor.MoveNext())
        {
            g0(ref l); g1(ref t); g2(ref s); g3(ref p);
            ll.Add(l); tc.Add(t); sc.Add(s); pl.Add(p);
        }
        return (ll.ToArray(), tc.ToArray(), sc.ToArray(), pl.ToArray());
    }
}
