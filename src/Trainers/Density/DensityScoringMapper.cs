using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Data;

namespace ArML.Trainers.Density;

/// <summary>Adds LogLikelihood, TokenCount, Score and PredictedLabel, scoring a batch of rows per forward pass.</summary>
internal sealed class DensityScoringMapper : BatchRowMapper
{
    private readonly DataViewSchema.Column _features;
    private readonly DensityModel _model;
    private readonly float _threshold;

    public DensityScoringMapper(DataViewSchema inputSchema, DataViewSchema.Column features, DensityModel model, float threshold, int batchSize)
        : base(inputSchema, batchSize)
    {
        _features = features;
        _model = model;
        _threshold = threshold;
    }

    public override IReadOnlyList<OutputColumn> OutputColumns => DensityColumns.Outputs;

    public override IEnumerable<DataViewSchema.Column> GetDependencies(bool[] activeOutputs) => [_features];

    public override BatchComputation CreateComputation(DataViewRow input, bool[] activeOutputs, int capacity) =>
        new Computation(this, input, activeOutputs, capacity);

    private sealed class Computation : BatchComputation
    {
        private readonly DensityScoringMapper _owner;
        private readonly DataViewRow _input;
        private readonly DensityVectorReader _reader;
        private readonly bool _needsLikelihood;
        private readonly float[] _values;
        private readonly double[] _logLikelihoods;
        private readonly int[] _counts;
        private readonly float[] _scores;
        private readonly bool[] _predicted;
        private readonly long[] _positions;

        public Computation(DensityScoringMapper owner, DataViewRow input, bool[] activeOutputs, int capacity)
        {
            _owner = owner;
            _input = input;
            var model = owner._model;
            _reader = DensityVectorReader.Create(input, owner._features, model.Distribution, model.Dimension, model.Standardization);
            // TokenCount alone needs no forward pass.
            _needsLikelihood = activeOutputs[0] || activeOutputs[2] || activeOutputs[3];
            _values = new float[capacity * model.Dimension];
            _logLikelihoods = new double[capacity];
            _counts = new int[capacity];
            _scores = new float[capacity];
            _predicted = new bool[capacity];
            _positions = new long[capacity];
        }

        public override void Capture(int slot)
        {
            int d = _owner._model.Dimension;
            _reader.Read(_input.Position).CopyTo(_values.AsSpan(slot * d, d));
            _positions[slot] = _input.Position;
        }

        public override void Compute(int count)
        {
            int d = _owner._model.Dimension;
            Array.Fill(_counts, d, 0, count);
            if (!_needsLikelihood) return;
            // The reader has checked every value.
            if (_owner._model.ComputeLogLikelihoods(_values.AsSpan(0, count * d), _logLikelihoods.AsSpan(0, count)) is int bad)
                throw new InvalidDataException($"Row {_positions[bad]} of column '{_owner._features.Name}': {DensityModel.NotFinite(_logLikelihoods[bad])}");
            for (int i = 0; i < count; i++)
            {
                _scores[i] = (float)-_logLikelihoods[i];
                _predicted[i] = _scores[i] > _owner._threshold;
            }
        }

        public override ValueGetter<T> GetGetter<T>(int outputIndex, Func<int> slot) => outputIndex switch
        {
            0 => SlotGetter<T, double>(_logLikelihoods, slot),
            1 => SlotGetter<T, int>(_counts, slot),
            2 => SlotGetter<T, float>(_scores, slot),
            _ => SlotGetter<T, bool>(_predicted, slot),
        };
    }
}
