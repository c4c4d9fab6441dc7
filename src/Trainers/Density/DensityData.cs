using Microsoft.ML;

namespace ArML.Trainers.Density;

/// <summary>
/// Training (or validation) vectors read once through a cursor into compact storage: one bit per value for
/// Bernoulli data, one byte for categorical data, a float for continuous data. Rows are checked as they are read.
/// </summary>
internal sealed class DensityData
{
    private readonly OutputDistribution _kind;
    private readonly int _wordsPerRow;
    private ulong[] _bits = [];
    private byte[] _bytes = [];
    private float[] _floats = [];

    private DensityData(OutputDistribution kind, int dimension)
    {
        _kind = kind;
        Dimension = dimension;
        _wordsPerRow = (dimension + 63) / 64;
    }

    /// <summary>Values per row.</summary>
    public int Dimension { get; }

    /// <summary>Rows stored.</summary>
    public int Rows { get; private set; }

    /// <summary>Bytes of storage per row.</summary>
    public int BytesPerRow => _kind switch
    {
        OutputDistribution.Bernoulli => _wordsPerRow * 8,
        OutputDistribution.Categorical => Dimension,
        _ => Dimension * sizeof(float),
    };

    /// <summary>
    /// Reads <paramref name="columnName"/> of every row of <paramref name="data"/>. With <paramref name="dimension"/>
    /// null the first row sets it (a variable-size column).
    /// </summary>
    /// <exception cref="InvalidDataException">A row has another length, a NaN or a value the distribution cannot hold.</exception>
    public static DensityData Read(IDataView data, string columnName, OutputDistribution kind, ConditionalDistribution distribution, int? dimension)
    {
        var column = DensityColumns.RequireFeatures(data.Schema, columnName, dimension);
        using var cursor = data.GetRowCursor([column]);
        var reader = DensityVectorReader.Create(cursor, column, distribution, dimension);
        DensityData? result = dimension is int d ? new DensityData(kind, d) : null;
        long expected = data.GetRowCount() ?? 0;
        while (cursor.MoveNext())
        {
            var values = reader.Read(cursor.Position);
            if (result == null) result = new DensityData(kind, values.Length);
            if (result.Rows == 0 && expected > 0) result.Reserve((int)Math.Min(expected, int.MaxValue));
            result.Append(values);
        }
        return result ?? new DensityData(kind, dimension ?? 1);
    }

    /// <summary>A SHA-256 of the stored rows (as the distribution keeps them) and their dimension: one pass over the storage.</summary>
    public string Fingerprint()
    {
        using var hash = new ArML.Training.ContentHash();
        hash.Append((long)_kind);
        hash.Append(Dimension);
        hash.Append(Rows);
        switch (_kind)
        {
            case OutputDistribution.Bernoulli: hash.Append<ulong>(_bits.AsSpan(0, Rows * _wordsPerRow)); break;
            case OutputDistribution.Categorical: hash.Append<byte>(_bytes.AsSpan(0, Rows * Dimension)); break;
            default: hash.Append<float>(_floats.AsSpan(0, Rows * Dimension)); break;
        }
        return hash.Finish();
    }

    /// <summary>Copies row <paramref name="row"/>'s values into <paramref name="destination"/> (length <see cref="Dimension"/>).</summary>
    public void CopyRow(int row, Span<float> destination)
    {
        switch (_kind)
        {
            case OutputDistribution.Bernoulli:
                var words = _bits.AsSpan(row * _wordsPerRow, _wordsPerRow);
                for (int i = 0; i < Dimension; i++) destination[i] = (words[i >> 6] >> (i & 63)) & 1;
                break;
            case OutputDistribution.Categorical:
                var bytes = _bytes.AsSpan(row * Dimension, Dimension);
                for (int i = 0; i < Dimension; i++) destination[i] = bytes[i];
                break;
            default:
                _floats.AsSpan(row * Dimension, Dimension).CopyTo(destination);
                break;
        }
    }

    /// <summary>Copies rows <paramref name="rows"/> side by side (row-major) into <paramref name="batch"/>, for a batch.</summary>
    public void Gather(ReadOnlySpan<int> rows, Span<float> batch)
    {
        for (int b = 0; b < rows.Length; b++) CopyRow(rows[b], batch.Slice(b * Dimension, Dimension));
    }

    private void Reserve(int rows)
    {
        if ((long)rows * BytesPerRow > int.MaxValue / 2) return;   // let the arrays grow instead
        Grow(rows);
    }

    private void Append(ReadOnlySpan<float> values)
    {
        if (Rows == int.MaxValue / Math.Max(1, BytesPerRow)) throw new InvalidOperationException("The training data is too large to hold in memory.");
        if (Capacity <= Rows) Grow(Math.Max(1024, Rows * 2));
        switch (_kind)
        {
            case OutputDistribution.Bernoulli:
                var words = _bits.AsSpan(Rows * _wordsPerRow, _wordsPerRow);
                for (int i = 0; i < values.Length; i++)
                    if (values[i] != 0) words[i >> 6] |= 1UL << (i & 63);
                break;
            case OutputDistribution.Categorical:
                var bytes = _bytes.AsSpan(Rows * Dimension, Dimension);
                for (int i = 0; i < values.Length; i++) bytes[i] = (byte)values[i];
                break;
            default:
                values.CopyTo(_floats.AsSpan(Rows * Dimension, Dimension));
                break;
        }
        Rows++;
    }

    private int Capacity => _kind switch
    {
        OutputDistribution.Bernoulli => _bits.Length / _wordsPerRow,
        OutputDistribution.Categorical => _bytes.Length / Dimension,
        _ => _floats.Length / Dimension,
    };

    private void Grow(int rows)
    {
        rows = (int)Math.Min(rows, int.MaxValue / Math.Max(1, BytesPerRow));
        switch (_kind)
        {
            case OutputDistribution.Bernoulli: Array.Resize(ref _bits, rows * _wordsPerRow); break;
            case OutputDistribution.Categorical: Array.Resize(ref _bytes, rows * Dimension); break;
            default: Array.Resize(ref _floats, rows * Dimension); break;
        }
    }
}
