using Microsoft.ML;

namespace ArML.Data;

/// <summary>
/// A lazy <see cref="IDataView"/> that adds a <see cref="BatchRowMapper"/>'s columns to its input. Nothing is
/// computed until a cursor moves; outputs are computed a batch of rows at a time and only when requested;
/// the input is read through exactly one input cursor per cursor and never materialized.
/// </summary>
internal sealed class BatchMappedDataView : IDataView
{
    private readonly IDataView _input;
    private readonly BatchRowMapper _mapper;

    /// <summary>Wraps <paramref name="input"/>; <paramref name="mapper"/> must have been made for its schema.</summary>
    public BatchMappedDataView(IDataView input, BatchRowMapper mapper)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(mapper);
        _input = input;
        _mapper = mapper;
    }

    /// <inheritdoc/>
    public bool CanShuffle => _input.CanShuffle;

    /// <inheritdoc/>
    public DataViewSchema Schema => _mapper.OutputSchema;

    /// <inheritdoc/>
    public long? GetRowCount() => _input.GetRowCount();

    /// <inheritdoc/>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var plan = ActiveColumnPlan.Create(_mapper, columnsNeeded);
        var inputCursor = _input.GetRowCursor(plan.InputColumnsToOpen, rand);
        return new BatchMappedCursor(inputCursor, _mapper, plan);
    }

    /// <inheritdoc/>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];
}

/// <summary>Which outputs a consumer asked for, and which input columns must be opened for them.</summary>
internal sealed class ActiveColumnPlan
{
    private ActiveColumnPlan(bool[] activeOutputs, bool[] activeInputs, DataViewSchema.Column[] inputColumnsToOpen)
    {
        ActiveOutputs = activeOutputs;
        ActiveInputs = activeInputs;
        InputColumnsToOpen = inputColumnsToOpen;
    }

    /// <summary>Per output column of the mapper: requested.</summary>
    public bool[] ActiveOutputs { get; }

    /// <summary>Per input column: requested by the consumer for pass-through.</summary>
    public bool[] ActiveInputs { get; }

    /// <summary>Input columns read: pass-through ones plus the mapper's dependencies.</summary>
    public DataViewSchema.Column[] InputColumnsToOpen { get; }

    public bool AnyOutput => Array.IndexOf(ActiveOutputs, true) >= 0;

    public static ActiveColumnPlan Create(BatchRowMapper mapper, IEnumerable<DataViewSchema.Column> columnsNeeded)
    {
        int inputCount = mapper.InputSchema.Count;
        var activeOutputs = new bool[mapper.OutputColumns.Count];
        var activeInputs = new bool[inputCount];
        foreach (var column in columnsNeeded)
        {
            if (column.Index >= inputCount) activeOutputs[column.Index - inputCount] = true;
            else activeInputs[column.Index] = true;
        }
        var open = new bool[inputCount];
        Array.Copy(activeInputs, open, inputCount);
        if (Array.IndexOf(activeOutputs, true) >= 0)
            foreach (var dependency in mapper.GetDependencies(activeOutputs))
                open[dependency.Index] = true;
        var toOpen = mapper.InputSchema.Where(c => open[c.Index]).ToArray();
        return new ActiveColumnPlan(activeOutputs, activeInputs, toOpen);
    }
}
