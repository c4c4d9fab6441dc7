using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Data;

/// <summary>
/// Row-at-a-time face of a <see cref="BatchRowMapper"/>, which ML.NET's <c>PredictionEngine</c> and
/// <c>TransformerChain</c> composition use. Outputs are computed on the first getter call for a row
/// (a batch of one) and reused until the input row moves.
/// </summary>
internal sealed class BatchRowToRowMapper : IRowToRowMapper
{
    private readonly BatchRowMapper _mapper;

    /// <summary>Wraps <paramref name="mapper"/>.</summary>
    public BatchRowToRowMapper(BatchRowMapper mapper) => _mapper = mapper ?? throw new ArgumentNullException(nameof(mapper));

    /// <inheritdoc/>
    public DataViewSchema InputSchema => _mapper.InputSchema;

    /// <inheritdoc/>
    public DataViewSchema OutputSchema => _mapper.OutputSchema;

    /// <inheritdoc/>
    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var plan = ActiveColumnPlan.Create(_mapper, dependingColumns);
        return plan.InputColumnsToOpen;
    }

    /// <inheritdoc/>
    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        var plan = ActiveColumnPlan.Create(_mapper, activeColumns);
        return new MappedRow(input, _mapper, plan);
    }

    private sealed class MappedRow : DataViewRow
    {
        private readonly DataViewRow _input;
        private readonly BatchRowMapper _mapper;
        private readonly ActiveColumnPlan _plan;
        private readonly BatchComputation? _computation;
        private long _computedPosition = -1;

        public MappedRow(DataViewRow input, BatchRowMapper mapper, ActiveColumnPlan plan)
        {
            _input = input;
            _mapper = mapper;
            _plan = plan;
            if (plan.AnyOutput) _computation = mapper.CreateComputation(input, plan.ActiveOutputs, 1);
        }

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override DataViewSchema Schema => _mapper.OutputSchema;

        public override bool IsColumnActive(DataViewSchema.Column column)
        {
            int inputCount = _mapper.InputSchema.Count;
            return column.Index >= inputCount ? _plan.ActiveOutputs[column.Index - inputCount] : _input.IsColumnActive(_mapper.InputSchema[column.Index]);
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int inputCount = _mapper.InputSchema.Count;
            if (column.Index < inputCount) return _input.GetGetter<TValue>(_mapper.InputSchema[column.Index]);
            if (!IsColumnActive(column))
                throw new InvalidOperationException($"Column '{column.Name}' was not requested for this row.");
            var inner = _computation!.GetGetter<TValue>(column.Index - inputCount, () => 0);
            return (ref TValue value) =>
            {
                EnsureComputed();
                inner(ref value);
            };
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        private void EnsureComputed()
        {
            if (_computedPosition == _input.Position && _input.Position >= 0) return;
            _computation!.Capture(0);
            _computation.Compute(1);
            _computedPosition = _input.Position;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _computation?.Dispose();
            base.Dispose(disposing);
        }
    }
}
