using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Trainers;

/// <summary>
/// The data a chain is fitted on when validation data goes through the chain too: it shows the training rows while
/// the earlier steps are fitted, and the validation rows while the final ArML trainer reads its validation data
/// through those fitted steps (ML.NET transforms read their source afresh at every cursor).
/// </summary>
/// <remarks>Both views must have the same columns (names and types, in order): the steps are fitted to one schema.</remarks>
internal sealed class ValidationSwitchView : IDataView
{
    private readonly IDataView _train;
    private readonly IDataView _validation;
    private bool _showingValidation;

    /// <exception cref="ArgumentException">The validation data's columns differ from the training data's; the column is named.</exception>
    public ValidationSwitchView(IDataView train, IDataView validation)
    {
        _train = train;
        _validation = validation;
        var a = train.Schema;
        var b = validation.Schema;
        for (int i = 0; i < Math.Max(a.Count, b.Count); i++)
        {
            if (i >= a.Count || i >= b.Count || a[i].Name != b[i].Name || !a[i].Type.Equals(b[i].Type))
                throw new ArgumentException(
                    $"The validation data's columns must be the training data's, but column {i} is {Describe(b, i)} where the training data has {Describe(a, i)}.",
                    nameof(validation));
        }
    }

    /// <summary>Whether a cursor read the validation rows to their end since <see cref="ShowValidation"/>.</summary>
    public bool ValidationPassCompleted { get; private set; }

    /// <summary>Shows the validation rows until the result is disposed.</summary>
    public IDisposable ShowValidation()
    {
        _showingValidation = true;
        ValidationPassCompleted = false;
        return new Restore(this);
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema => _train.Schema;

    public long? GetRowCount() => (_showingValidation ? _validation : _train).GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var source = _showingValidation ? _validation : _train;
        return new GuardedCursor(this, _showingValidation, source.GetRowCursor(columnsNeeded.Select(c => source.Schema[c.Index])));
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private static string Describe(DataViewSchema schema, int i) => i < schema.Count ? $"'{schema[i].Name}' ({schema[i].Type})" : "missing";

    private sealed class Restore(ValidationSwitchView view) : IDisposable
    {
        public void Dispose() => view._showingValidation = false;
    }

    /// <summary>
    /// A cursor of one side, presented with the training schema (which the fitted steps hold columns of). A step that
    /// keeps rows (a cache) would read one side and serve it as the other: a cursor moved after the side changed fails.
    /// </summary>
    private sealed class GuardedCursor(ValidationSwitchView view, bool validation, DataViewRowCursor inner) : DataViewRowCursor
    {
        public override DataViewSchema Schema => view.Schema;
        public override long Position => inner.Position;
        public override long Batch => inner.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(inner.Schema[column.Index]);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => inner.GetGetter<TValue>(inner.Schema[column.Index]);

        public override bool MoveNext()
        {
            if (view._showingValidation != validation)
                throw new InvalidOperationException(
                    $"A step before the trainer read the {(validation ? "validation" : "training")} rows while the trainer read the other set: it keeps rows " +
                    "(a cache checkpoint?). Remove AppendCacheCheckpoint from a chain fitted with Fit(train, validation).");
            bool moved = inner.MoveNext();
            if (!moved && validation) view.ValidationPassCompleted = true;
            return moved;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
