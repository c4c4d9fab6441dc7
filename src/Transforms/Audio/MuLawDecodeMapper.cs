using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Data;

namespace ArML.Transforms.Audio;

/// <summary>
/// Maps a key or vector-of-keys column of μ-law levels (any key width, key count = levels) back to samples in
/// [−1, 1]: Single or Vector&lt;Single&gt; of the same shape. A missing key (0) is refused, naming the column and row.
/// </summary>
internal sealed class MuLawDecodeMapper : BatchRowMapper
{
    private const int DefaultBatchSize = 256;
    private readonly DataViewSchema.Column _input;
    private readonly float[] _samples;   // the sample of each level
    private readonly OutputColumn[] _outputs;

    public MuLawDecodeMapper(DataViewSchema inputSchema, string outputColumnName, string inputColumnName, int levels) : base(inputSchema, DefaultBatchSize)
    {
        _input = inputSchema.GetColumnOrNull(inputColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(inputColumnName), $"Column '{inputColumnName}' (μ-law levels, Key or Vector<Key>) was not found in the input schema.");
        var key = _input.Type is VectorDataViewType v ? v.ItemType as KeyDataViewType : _input.Type as KeyDataViewType;
        if (key is null)
            throw new ArgumentOutOfRangeException(nameof(inputColumnName), $"Column '{inputColumnName}' (μ-law levels) must be a key or a vector of keys, but is {_input.Type}.");
        if (key.Count != (ulong)levels)
            throw new ArgumentOutOfRangeException(nameof(inputColumnName), $"Column '{inputColumnName}' has {key.Count} keys, but the μ-law decoder has {levels} levels.");
        _samples = Enumerable.Range(0, levels).Select(level => MuLaw.Decode(level, levels)).ToArray();
        DataViewType output = _input.Type is VectorDataViewType vector ? new VectorDataViewType(NumberDataViewType.Single, vector.Dimensions.ToArray()) : NumberDataViewType.Single;
        _outputs = [new OutputColumn(outputColumnName, output)];
    }

    public override IReadOnlyList<OutputColumn> OutputColumns => _outputs;

    public override IEnumerable<DataViewSchema.Column> GetDependencies(bool[] activeOutputs) => activeOutputs[0] ? [_input] : [];

    public override BatchComputation CreateComputation(DataViewRow input, bool[] activeOutputs, int capacity) =>
        new Computation(input, TokenIdReader.CreateForKeyOrKeyVector(input, _input), this, capacity);

    private sealed class Computation(DataViewRow input, TokenIdReader reader, MuLawDecodeMapper owner, int capacity) : BatchComputation
    {
        private readonly int[][] _levels = Enumerable.Range(0, capacity).Select(_ => new int[16]).ToArray();
        private readonly int[] _counts = new int[capacity];
        private readonly bool _scalar = owner._input.Type is not VectorDataViewType;

        public override void Capture(int slot) => _counts[slot] = reader.Read(ref _levels[slot], input.Position);

        public override void Compute(int count)
        {
        }

        public override ValueGetter<T> GetGetter<T>(int outputIndex, Func<int> slot)
        {
            if (_scalar)
            {
                ValueGetter<float> sample = (ref float value) => value = owner._samples[_levels[slot()][0]];
                return sample as ValueGetter<T> ?? throw new InvalidOperationException($"Decoded samples of a key column are Single, not {typeof(T).Name}.");
            }
            ValueGetter<VBuffer<float>> samples = (ref VBuffer<float> value) =>
            {
                int s = slot();
                var values = new float[_counts[s]];
                for (int i = 0; i < values.Length; i++) values[i] = owner._samples[_levels[s][i]];
                value = new VBuffer<float>(values.Length, values);   // a new array each time, as DetachedVectors explains
            };
            return samples as ValueGetter<T> ?? throw new InvalidOperationException($"Decoded samples of a key vector are VBuffer<Single>, not {typeof(T).Name}.");
        }
    }
}
