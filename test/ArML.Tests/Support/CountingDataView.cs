using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Tests.Support;

/// <summary>Wraps a data view and counts the cursors opened on it and the rows they moved over.</summary>
public sealed class CountingDataView(IDataView inner) : IDataView
{
    public int CursorsOpened;
    public long RowsRead;
    public List<string[]> ColumnsRequested { get; } = [];

    public bool CanShuffle => inner.CanShuffle;
    public DataViewSchema Schema => inner.Schema;
    public long? GetRowCount() => inner.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var columns = columnsNeeded.ToArray();
        Interlocked.Increment(ref CursorsOpened);
        ColumnsRequested.Add(columns.Select(c => c.Name).ToArray());
        return new Cursor(inner.GetRowCursor(columns, rand), this);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(DataViewRowCursor inner, CountingDataView owner) : DataViewRowCursor
    {
        public override long Position => inner.Position;
        public override long Batch => inner.Batch;
        public override DataViewSchema Schema => inner.Schema;
        public override bool MoveNext()
        {
            bool moved = inner.MoveNext();
            if (moved) Interlocked.Increment(ref owner.RowsRead);
            return moved;
        }
        public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(column);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => inner.GetGetter<TValue>(column);
        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();
        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
