using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Data;

namespace ArML.Transforms.Audio;

/// <summary>
/// Maps a Single or Vector&lt;Single&gt; column of samples in [−1, 1] to μ-law levels as U4 keys (key = level + 1), of
/// the same shape. A NaN or a sample outside [−1, 1] is refused, naming the column, row and index: clipping would
/// change the audio without saying so.
/// </summary>
internal sealed class MuLawEncodeMapper : BatchRowMapper
{
    private const int DefaultBatchSize = 256;
    private readonly DataViewSchema.Column _input;
    private readonly int _levels;
    private readonly OutputColumn[] _outputs;

    public MuLawEncodeMapper(DataViewSchema inputSchema, string outputColumnName, string inputColumnName, int levels) : base(inputSchema, DefaultBatchSize)
    {
        _input = inputSchema.GetColumnOrNull(inputColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(inputColumnName), $"Column '{inputColumnName}' (audio samples, Single or Vector<Single>) was not found in the input schema.");
        var key = new KeyDataViewType(typeof(uint), levels);
        DataViewType output = _input.Type switch
        {
            NumberDataViewType t when t == NumberDataViewType.Single => key,
            VectorDataViewType { ItemType: NumberDataViewType item } v when item == NumberDataViewType.Single => new VectorDataViewType(key, v.Dimensions.ToArray()),
            _ => throw new ArgumentOutOfRangeException(nameof(inputColumnName),
                $"Column '{inputColumnName}' (audio samples) must be Single or a vector of Single in [-1, 1], but is {_input.Type}."),
        };
        _levels = levels;
        _outputs = [new OutputColumn(outputColumnName, output)];
    }

    public override IReadOnlyList<OutputColumn> OutputColumns => _outputs;

    public override IEnumerable<DataViewSchema.Column> GetDependencies(bool[] activeOutputs) => activeOutputs[0] ? [_input] : [];

    public override BatchComputation CreateComputation(DataViewRow input, bool[] activeOutputs, int capacity) => new Computation(input, this, capacity);

    // Encodes in Capture, where the row's position is known for a message; Compute has nothing left to do.
    private sealed class Computation : BatchComputation
    {
        private readonly DataViewRow _row;
        private readonly MuLawEncodeMapper _owner;
        private readonly bool _scalar;
        private readonly ValueGetter<float>? _scalarGetter;
        private readonly ValueGetter<VBuffer<float>>? _vectorGetter;
        private readonly uint[][] _keys;
        private readonly int[] _counts;
        private VBuffer<float> _samples;

        public Computation(DataViewRow row, MuLawEncodeMapper owner, int capacity)
        {
            _row = row;
            _owner = owner;
            _scalar = owner._input.Type is not VectorDataViewType;
            if (_scalar) _scalarGetter = row.GetGetter<float>(owner._input);
            else _vectorGetter = row.GetGetter<VBuffer<float>>(owner._input);
            _keys = Enumerable.Range(0, capacity).Select(_ => new uint[1]).ToArray();
            _counts = new int[capacity];
        }

        public override void Capture(int slot)
        {
            if (_scalar)
            {
                float sample = 0;
                _scalarGetter!(ref sample);
                _keys[slot][0] = Key(sample, -1);
                _counts[slot] = 1;
                return;
            }
            _vectorGetter!(ref _samples);
            if (_keys[slot].Length < _samples.Length) _keys[slot] = new uint[_samples.Length];
            int i = 0;
            foreach (float sample in _samples.DenseValues())
            {
                _keys[slot][i] = Key(sample, i);
                i++;
            }
            _counts[slot] = _samples.Length;
        }

        private uint Key(float sample, int index)
        {
            if (!(Math.Abs(sample) <= 1))   // NaN fails this too
                throw new InvalidDataException($"Row {_row.Position} of column '{_owner._input.Name}' holds " +
                    (float.IsNaN(sample) ? "NaN (a missing value)" : sample.ToString("R", CultureInfo.InvariantCulture)) +
                    (index >= 0 ? $" at index {index}" : "") +
                    ", but μ-law encoding takes samples in [-1, 1]; it refuses others rather than clip them (scale the audio into [-1, 1] first).");
            return (uint)MuLaw.Encode(sample, _owner._levels) + 1;
        }

        public override void Compute(int count)
        {
        }

        public override ValueGetter<T> GetGetter<T>(int outputIndex, Func<int> slot)
        {
            if (_scalar)
            {
                ValueGetter<uint> key = (ref uint value) => value = _keys[slot()][0];
                return key as ValueGetter<T> ?? throw new InvalidOperationException($"μ-law levels of a scalar column are UInt32 keys, not {typeof(T).Name}.");
            }
            ValueGetter<VBuffer<uint>> keys = (ref VBuffer<uint> value) =>
            {
                int s = slot();
                DetachedVectors.Write(_keys[s].AsSpan(0, _counts[s]), ref value);
            };
            return keys as ValueGetter<T> ?? throw new InvalidOperationException($"μ-law levels of a vector column are VBuffer<UInt32>, not {typeof(T).Name}.");
        }
    }
}
