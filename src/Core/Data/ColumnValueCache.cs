using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Data;

/// <summary>
/// Holds copies of one pass-through input column for the rows of a batch, so a cursor that reads ahead
/// can still serve input columns for the row it is on.
/// </summary>
internal abstract class ColumnValueCache
{
    public abstract void Capture(int slot);

    public abstract Delegate GetGetter(Func<int> slot);

    public static ColumnValueCache Create(DataViewRow row, DataViewSchema.Column column, int capacity)
    {
        var type = column.Type is VectorDataViewType vector
            ? typeof(VectorCache<>).MakeGenericType(vector.ItemType.RawType)
            : typeof(ScalarCache<>).MakeGenericType(column.Type.RawType);
        return (ColumnValueCache)Activator.CreateInstance(type, row, column, capacity)!;
    }

    private sealed class ScalarCache<T>(DataViewRow row, DataViewSchema.Column column, int capacity) : ColumnValueCache
    {
        private readonly ValueGetter<T> _getter = row.GetGetter<T>(column);
        private readonly T[] _values = new T[capacity];

        public override void Capture(int slot) => _getter(ref _values[slot]);

        public override Delegate GetGetter(Func<int> slot) => (ValueGetter<T>)((ref T value) => value = _values[slot()]);
    }

    // Vectors are deep-copied in and handed out detached: a source getter may reuse its buffers for the next row,
    // and a reader may keep what it read (see DetachedVectors).
    private sealed class VectorCache<T>(DataViewRow row, DataViewSchema.Column column, int capacity) : ColumnValueCache
    {
        private readonly ValueGetter<VBuffer<T>> _getter = row.GetGetter<VBuffer<T>>(column);
        private readonly VBuffer<T>[] _values = new VBuffer<T>[capacity];
        private VBuffer<T> _scratch;

        public override void Capture(int slot)
        {
            _getter(ref _scratch);
            _scratch.CopyTo(ref _values[slot]);
        }

        public override Delegate GetGetter(Func<int> slot) =>
            (ValueGetter<VBuffer<T>>)((ref VBuffer<T> value) => DetachedVectors.Write(_values[slot()], ref value));
    }
}
