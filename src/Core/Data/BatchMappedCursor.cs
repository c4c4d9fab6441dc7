using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Data;

/// <summary>
/// Cursor of a <see cref="BatchMappedDataView"/>. With no output requested it is a thin pass-through; otherwise
/// it reads up to a batch of input rows ahead, caches the requested input columns, and computes the outputs of
/// the whole batch at once.
/// </summary>
internal sealed class BatchMappedCursor : DataViewRowCursor
{
    private readonly DataViewRowCursor _input;
    private readonly BatchRowMapper _mapper;
    private readonly ActiveColumnPlan _plan;
    private readonly BatchComputation? _computation;
    private readonly ColumnValueCache?[] _inputCaches;
    private readonly ValueGetter<DataViewRowId>? _inputId;
    private readonly DataViewRowId[] _ids;
    private readonly Func<int> _currentSlot;
    private long _position = -1;
    private int _slot = -1;
    private int _filled;
    private bool _disposed;

    public BatchMappedCursor(DataViewRowCursor input, BatchRowMapper mapper, ActiveColumnPlan plan)
    {
        _input = input;
        _mapper = mapper;
        _plan = plan;
        _currentSlot = () => _slot;
        _inputCaches = new ColumnValueCache?[mapper.InputSchema.Count];
        _ids = [];
        if (!plan.AnyOutput) return;

        int capacity = mapper.BatchSize;
        _computation = mapper.CreateComputation(input, plan.ActiveOutputs, capacity);
        for (int i = 0; i < plan.ActiveInputs.Length; i++)
            if (plan.ActiveInputs[i]) _inputCaches[i] = ColumnValueCache.Create(input, mapper.InputSchema[i], capacity);
        _inputId = input.GetIdGetter();
        _ids = new DataViewRowId[capacity];
    }

    public override long Position => _position;

    public override long Batch => _input.Batch;

    public override DataViewSchema Schema => _mapper.OutputSchema;

    public override bool MoveNext()
    {
        if (_disposed) return false;
        if (_computation == null)
        {
            if (!_input.MoveNext()) return false;
            _position++;
            return true;
        }
        if (_slot + 1 < _filled)
        {
            _slot++;
            _position++;
            return true;
        }
        _filled = 0;
        while (_filled < _ids.Length && _input.MoveNext())
        {
            _inputId!(ref _ids[_filled]);
            foreach (var cache in _inputCaches) cache?.Capture(_filled);
            _computation.Capture(_filled);
            _filled++;
        }
        if (_filled == 0) return false;
        _computation.Compute(_filled);
        _slot = 0;
        _position++;
        return true;
    }

    public override bool IsColumnActive(DataViewSchema.Column column)
    {
        int inputCount = _mapper.InputSchema.Count;
        return column.Index >= inputCount ? _plan.ActiveOutputs[column.Index - inputCount] : _plan.ActiveInputs[column.Index];
    }

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (!IsColumnActive(column))
            throw new InvalidOperationException($"Column '{column.Name}' was not requested when this cursor was opened.");
        int inputCount = _mapper.InputSchema.Count;
        if (column.Index >= inputCount) return _computation!.GetGetter<TValue>(column.Index - inputCount, _currentSlot);
        if (_computation == null) return _input.GetGetter<TValue>(_mapper.InputSchema[column.Index]);
        return _inputCaches[column.Index]!.GetGetter(_currentSlot) as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' holds {column.Type.RawType.Name}, not {typeof(TValue).Name}.");
    }

    public override ValueGetter<DataViewRowId> GetIdGetter()
    {
        if (_computation == null) return _input.GetIdGetter();
        return (ref DataViewRowId value) => value = _ids[_slot];
    }

    protected override void Dispose(bool disposing)
    {
        if (_disposed) return;
        _disposed = true;
        if (disposing)
        {
            _computation?.Dispose();
            _input.Dispose();
        }
        base.Dispose(disposing);
    }
}
