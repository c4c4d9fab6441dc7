using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Schema;

namespace ArML.Data;

/// <summary>
/// Reads a key-typed token column of any key width (U1, U2, U4, U8) as zero-based token ids:
/// ML.NET keys run 1..Count with 0 meaning "missing", so id = key − 1 (and −1 for a missing key).
/// </summary>
internal sealed class TokenIdReader
{
    // Written in place of a key above the key count; the key itself is kept in _invalidKey for the message.
    private const int InvalidId = int.MinValue;
    private readonly Func<int[], int> _read;
    private readonly string _columnName;
    private readonly StrongBox<ulong> _invalidKey;

    private TokenIdReader(Func<int[], int> read, string columnName, int keyCount, StrongBox<ulong> invalidKey)
    {
        _read = read;
        _columnName = columnName;
        KeyCount = keyCount;
        _invalidKey = invalidKey;
    }

    /// <summary>Number of distinct token ids (the key count).</summary>
    public int KeyCount { get; }

    /// <summary>Creates a reader of <paramref name="column"/> (a vector of keys) on <paramref name="row"/>; checks the column's type.</summary>
    public static TokenIdReader Create(DataViewRow row, DataViewSchema.Column column)
    {
        ColumnChecks.RequireTokenKeys(row.Schema, column.Name);
        var key = (KeyDataViewType)((VectorDataViewType)column.Type).ItemType;
        var invalid = new StrongBox<ulong>();
        return new TokenIdReader(Dispatch(key, column, new VectorReaders(row, column, key.Count, invalid)), column.Name, checked((int)key.Count), invalid);
    }

    /// <summary>Creates a reader of a vector of keys or of a single key (read as a one-id row), e.g. a condition.</summary>
    public static TokenIdReader CreateForKeyOrKeyVector(DataViewRow row, DataViewSchema.Column column)
    {
        if (column.Type is VectorDataViewType) return Create(row, column);
        if (column.Type is not KeyDataViewType key || key.Count == 0 || key.Count > int.MaxValue - 1)
            throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' must be a key or a vector of keys, but is {column.Type}.");
        var invalid = new StrongBox<ulong>();
        return new TokenIdReader(Dispatch(key, column, new ScalarReaders(row, column, key.Count, invalid)), column.Name, (int)key.Count, invalid);
    }

    private static Func<int[], int> Dispatch(KeyDataViewType key, DataViewSchema.Column column, IReaderFactory factory) => key.RawType switch
    {
        var t when t == typeof(byte) => factory.Make<byte>(k => k),
        var t when t == typeof(ushort) => factory.Make<ushort>(k => k),
        var t when t == typeof(uint) => factory.Make<uint>(k => k),
        var t when t == typeof(ulong) => factory.Make<ulong>(k => k),
        _ => throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' has unsupported key type {key.RawType.Name}."),
    };

    private interface IReaderFactory
    {
        Func<int[], int> Make<T>(Func<T, ulong> toUlong);
    }

    private sealed class VectorReaders(DataViewRow row, DataViewSchema.Column column, ulong keyCount, StrongBox<ulong> invalid) : IReaderFactory
    {
        public Func<int[], int> Make<T>(Func<T, ulong> toUlong) => Reader(row, column, toUlong, keyCount, invalid);
    }

    private sealed class ScalarReaders(DataViewRow row, DataViewSchema.Column column, ulong keyCount, StrongBox<ulong> invalid) : IReaderFactory
    {
        public Func<int[], int> Make<T>(Func<T, ulong> toUlong)
        {
            var getter = row.GetGetter<T>(column);
            T value = default!;
            return buffer =>
            {
                getter(ref value);
                buffer[0] = ToId(toUlong(value), keyCount, invalid);
                return 1;
            };
        }
    }

    // key − 1; −1 for the missing key 0; InvalidId (keeping the key) above the key count.
    private static int ToId(ulong key, ulong keyCount, StrongBox<ulong> invalid)
    {
        if (key == 0) return -1;
        if (key <= keyCount) return (int)key - 1;
        invalid.Value = key;
        return InvalidId;
    }

    /// <summary>
    /// Reads the current row's ids into <paramref name="buffer"/> (grown when needed) and returns their number.
    /// </summary>
    /// <exception cref="InvalidDataException">The row holds a missing key (0) or a key above the key count.</exception>
    public int Read(ref int[] buffer, long rowIndex) => Read(ref buffer, rowIndex, allowMissing: false);

    /// <summary>
    /// Reads the current row's ids like <see cref="Read(ref int[], long)"/>, but a missing key (0) is read as −1 rather
    /// than rejected, for a <see cref="TokenKeyMap"/> to decide on.
    /// </summary>
    /// <exception cref="InvalidDataException">The row holds a key above the key count.</exception>
    public int ReadAllowingMissing(ref int[] buffer, long rowIndex) => Read(ref buffer, rowIndex, allowMissing: true);

    private int Read(ref int[] buffer, long rowIndex, bool allowMissing)
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
            if (id == InvalidId)
                throw new InvalidDataException(
                    $"Row {rowIndex} of column '{_columnName}' holds token key {_invalidKey.Value.ToString(CultureInfo.InvariantCulture)} at position {i}, outside 1..{KeyCount}.");
            if (id < 0 && !allowMissing)
                throw new InvalidDataException(
                    $"Row {rowIndex} of column '{_columnName}' holds the missing key 0 at position {i} (a missing value, e.g. a value the key mapping never saw).");
        }
        return n;
    }

    // Returns the count, or −(needed length) when the buffer is too small.
    private static Func<int[], int> Reader<T>(DataViewRow row, DataViewSchema.Column column, Func<T, ulong> toUlong, ulong keyCount, StrongBox<ulong> invalid)
    {
        var getter = row.GetGetter<VBuffer<T>>(column);
        VBuffer<T> value = default;
        // Optimized at once: a build or scoring pass may be over before tiered compilation gets to this loop.
        return [MethodImpl(MethodImplOptions.AggressiveOptimization)] (buffer) =>
        {
            getter(ref value);
            if (value.Length > buffer.Length) return -value.Length;
            if (value.IsDense)
            {
                // The usual case, read as a span: the enumerator below costs an interface call per token.
                var keys = value.GetValues();
                for (int i = 0; i < keys.Length; i++) buffer[i] = ToId(toUlong(keys[i]), keyCount, invalid);
                return keys.Length;
            }
            int at = 0;
            foreach (var key in value.DenseValues()) buffer[at++] = ToId(toUlong(key), keyCount, invalid);
            return value.Length;
        };
    }
}
