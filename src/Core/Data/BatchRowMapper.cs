using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Data;

/// <summary>An output column a <see cref="BatchRowMapper"/> adds.</summary>
/// <param name="Name">Column name; replaces (hides) an input column of the same name.</param>
/// <param name="Type">Column type.</param>
/// <param name="Annotations">Annotations such as key values; null for none.</param>
internal sealed record OutputColumn(string Name, DataViewType Type, DataViewSchema.Annotations? Annotations = null);

/// <summary>
/// Computes output columns from input columns for a batch of rows at a time. ArML's transformers describe their
/// work with one of these; <see cref="BatchMappedDataView"/> and <see cref="BatchRowToRowMapper"/> do the
/// cursoring, caching and laziness around it.
/// </summary>
internal abstract class BatchRowMapper
{
    private DataViewSchema? _outputSchema;

    /// <summary>Creates a mapper over <paramref name="inputSchema"/> computing <paramref name="batchSize"/> rows at a time.</summary>
    protected BatchRowMapper(DataViewSchema inputSchema, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        InputSchema = inputSchema;
        BatchSize = batchSize;
    }

    /// <summary>The schema the mapper reads.</summary>
    public DataViewSchema InputSchema { get; }

    /// <summary>Rows computed together; a cursor reads this many rows ahead.</summary>
    public int BatchSize { get; }

    /// <summary>The columns the mapper adds, in order.</summary>
    public abstract IReadOnlyList<OutputColumn> OutputColumns { get; }

    /// <summary>The input columns followed by <see cref="OutputColumns"/>.</summary>
    public DataViewSchema OutputSchema => _outputSchema ??= BuildOutputSchema();

    /// <summary>The input columns needed to compute the outputs flagged in <paramref name="activeOutputs"/>.</summary>
    public abstract IEnumerable<DataViewSchema.Column> GetDependencies(bool[] activeOutputs);

    /// <summary>
    /// Starts the per-cursor work: <paramref name="input"/> is the row the computation captures inputs from,
    /// <paramref name="capacity"/> the most rows captured before a <see cref="BatchComputation.Compute"/>.
    /// </summary>
    public abstract BatchComputation CreateComputation(DataViewRow input, bool[] activeOutputs, int capacity);

    private DataViewSchema BuildOutputSchema()
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(InputSchema);
        foreach (var column in OutputColumns)
            builder.AddColumn(column.Name, column.Type, column.Annotations);
        return builder.ToSchema();
    }
}

/// <summary>
/// The state of one cursor's computation: captures the inputs of up to <c>capacity</c> rows into slots,
/// computes their outputs together, and serves them by slot. Never shared between cursors.
/// </summary>
internal abstract class BatchComputation : IDisposable
{
    /// <summary>Copies the current input row's needed values into <paramref name="slot"/>.</summary>
    public abstract void Capture(int slot);

    /// <summary>Computes the active outputs of slots 0 to <paramref name="count"/> − 1.</summary>
    public abstract void Compute(int count);

    /// <summary>A getter of output <paramref name="outputIndex"/> for the slot <paramref name="slot"/> returns.</summary>
    public abstract ValueGetter<T> GetGetter<T>(int outputIndex, Func<int> slot);

    /// <summary>Helper for <see cref="GetGetter{T}"/>: a getter over a per-slot array.</summary>
    public static ValueGetter<T> SlotGetter<T, TValue>(TValue[] values, Func<int> slot)
    {
        if (typeof(T) != typeof(TValue))
            throw new InvalidOperationException($"Requested {typeof(T).Name} from a column of {typeof(TValue).Name}.");
        ValueGetter<TValue> getter = (ref TValue value) => value = values[slot()];
        return (ValueGetter<T>)(Delegate)getter;
    }

    /// <summary>Releases native or pooled resources; the default does nothing.</summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
