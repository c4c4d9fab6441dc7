using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Trainers.Density;

/// <summary>
/// Reads one row's feature vector (Single, Boolean or keys, dense or sparse) as floats and checks it: its length, NaN, every
/// value against the model's distribution and, for a trained Gaussian mixture, its distance from the training data.
/// Errors name the column, the row and the index.
/// </summary>
internal sealed class DensityVectorReader
{
    private readonly Func<int> _fetch;
    private readonly string _columnName;
    private readonly ConditionalDistribution _distribution;
    private readonly Standardization? _standardization;
    private float[] _values = [];

    private DensityVectorReader(Func<DensityVectorReader, int> fetch, string columnName, ConditionalDistribution distribution, int? dimension,
        Standardization? standardization)
    {
        _fetch = () => fetch(this);
        _columnName = columnName;
        _distribution = distribution;
        _standardization = standardization;
        Dimension = dimension;
    }

    /// <summary>The vector length every row must have; set by the first row when it was not known.</summary>
    public int? Dimension { get; private set; }

    /// <summary>A reader of <paramref name="column"/> on <paramref name="row"/>; <paramref name="standardization"/> is a trained model's, if any.</summary>
    public static DensityVectorReader Create(DataViewRow row, DataViewSchema.Column column, ConditionalDistribution distribution, int? dimension,
        Standardization? standardization = null)
    {
        var item = ((VectorDataViewType)column.Type).ItemType;
        if (item == BooleanDataViewType.Instance)
        {
            var getter = row.GetGetter<VBuffer<bool>>(column);
            VBuffer<bool> buffer = default;
            bool[] dense = [];
            return new DensityVectorReader(reader =>
            {
                getter(ref buffer);
                if (dense.Length < buffer.Length) dense = new bool[buffer.Length];
                buffer.CopyTo(dense);
                var values = reader.Buffer(buffer.Length);
                for (int i = 0; i < buffer.Length; i++) values[i] = dense[i] ? 1f : 0f;
                return buffer.Length;
            }, column.Name, distribution, dimension, standardization);
        }
        if (item is KeyDataViewType)
        {
            // Key k is value k − 1 (keys count from 1); the missing key 0 reads as NaN, which Read reports as missing.
            var getter = row.GetGetter<VBuffer<uint>>(column);
            VBuffer<uint> buffer = default;
            uint[] dense = [];
            return new DensityVectorReader(reader =>
            {
                getter(ref buffer);
                if (dense.Length < buffer.Length) dense = new uint[buffer.Length];
                buffer.CopyTo(dense);
                var values = reader.Buffer(buffer.Length);
                for (int i = 0; i < buffer.Length; i++) values[i] = dense[i] == 0 ? float.NaN : dense[i] - 1f;
                return buffer.Length;
            }, column.Name, distribution, dimension, standardization);
        }
        var floatGetter = row.GetGetter<VBuffer<float>>(column);
        VBuffer<float> floats = default;
        return new DensityVectorReader(reader =>
        {
            floatGetter(ref floats);
            floats.CopyTo(reader.Buffer(floats.Length));
            return floats.Length;
        }, column.Name, distribution, dimension, standardization);
    }

    /// <summary>The current row's values; valid until the next call.</summary>
    /// <exception cref="InvalidDataException">The row has another length, a NaN, a value outside the distribution's support, or one too far from the training data.</exception>
    public ReadOnlySpan<float> Read(long rowIndex)
    {
        int length = _fetch();
        if (Dimension is null)
        {
            if (length == 0) throw new InvalidDataException($"Row {rowIndex} of column '{_columnName}' holds an empty vector; a density model needs at least one value.");
            Dimension = length;
        }
        if (length != Dimension)
            throw new InvalidDataException($"Row {rowIndex} of column '{_columnName}' holds a vector of {length} values, but the model's dimension is {Dimension}.");
        var values = _values.AsSpan(0, length);
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (float.IsNaN(v))
                throw new InvalidDataException($"Row {rowIndex} of column '{_columnName}' holds NaN (a missing value) at index {i}; the model needs every value.");
            if ((_distribution.Problem(v) ?? _standardization?.Problem(i, v)) is string problem)
                throw new InvalidDataException($"Row {rowIndex} of column '{_columnName}' holds {v} at index {i}, but {problem}.");
        }
        return values;
    }

    private Span<float> Buffer(int length)
    {
        if (_values.Length < length) _values = new float[length];
        return _values.AsSpan(0, length);
    }
}
