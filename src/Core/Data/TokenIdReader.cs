using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Schema;

namespace ArML.Data;

/// <summary>
/// Reads a key-typed token column of any key width (U1, U2, U4, U8) as zero-based token ids:
/// ML.NET keys run 1..Count with 0 meaning "missing", so id = key − 1.
/// </summary>
public sealed class TokenIdReader
{
    private readonly Func<int[], int> _read;
    private readonly string _columnName;

    private TokenIdReader(Func<int[], int> read, string columnName, int keyCount)
    {
        _read = read;
        _columnName = columnName;
        KeyCount = keyCount;
    }

    /// <summary>Number of distinct token ids (the key count).</summary>
    public int KeyCount { get; }

    /// <summary>Creates a reader of <paramref name="column"/> on <paramref name="row"/>; checks the column's type.</summary>
    public static TokenIdReader Create(DataViewRow row, DataViewSchema.Column column)
    {
        ColumnChecks.RequireTokenKeys(row.Schema, column.Name);
        var key = (KeyDataViewType)((VectorDataViewType)column.Type).ItemType;
        int count = checked((int)key.Count);
        Func<int[], int> read = key.RawType switch
        {
            var t when t == typeof(byte) => Reader<byte>(row, column, k => k),
            var t when t == typeof(ushort) => Reader<ushort>(row, column, k => k),
            var t when t == typeof(uint) => Reader<uint>(row, column, k => k),
            var t when t == typeof(ulong) => Reader<ulong>(row, column, k => k),
            _ => throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' has unsupported key type {key.RawType.Name}."),
        };
        return new TokenIdReader(read, column.Name, count);
    }

    /// <summary>
    /// Reads the current row's ids into <paramref name="buffer"/> (grown when needed) and returns their number.
    /// </summary>
    /// <exception cref="InvalidDataException">The row holds a missing key (0) or a key above the key count.</exception>
    public int Read(ref int[] buffer, long rowIndex)
    {
        int n = _read(buffer);
        if (n < 0)
        {
            buffer = new int[-n];
            n = _read(buffer);
        }
        for (int i = 0; i < n; i++)
        {
            int id = buffer[i];
            if (id < 0 || id >= KeyCount)
                throw new InvalidDataException(
                    $"Row {rowIndex} of column '{_columnName}' holds token key {id + 1}, outside 1..{KeyCount}" +
                    (id < 0 ? " (key 0 means a missing value, e.g. a value the key mapping never saw)." : "."));
        }
        return n;
    }

    // Returns the count, or −(needed length) when the buffer is too small.
    private static Func<int[], int> Reader<T>(DataViewRow row, DataViewSchema.Column column, Func<T, ulong> toUlong)
    {
        var getter = row.GetGetter<VBuffer<T>>(column);
        VBuffer<T> value = default;
        return buffer =>
        {
            getter(ref value);
            if (value.Length > buffer.Length) return -value.Length;
            var dense = value.DenseValues();
            int i = 0;
            foreach (var key in dense)
            {
                ulong k = toUlong(key);
                buffer[i++] = k == 0 || k > int.MaxValue ? -1 : (int)k - 1;
            }
            return value.Length;
        };
    }
}
