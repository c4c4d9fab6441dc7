using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Data;
using ArML.Trainers.Density;

namespace ArML.Trainers.VectorQuantization;

/// <summary>Adds the codes column: each row's image encoded, a batch of rows per forward pass.</summary>
internal sealed class VectorQuantizerMapper : BatchRowMapper
{
    private readonly DataViewSchema.Column _input;
    private readonly VectorQuantizerModel _model;
    private readonly OutputColumn[] _outputs;

    public VectorQuantizerMapper(DataViewSchema inputSchema, DataViewSchema.Column input, VectorQuantizerModel model, string outputColumnName, int batchSize)
        : base(inputSchema, batchSize)
    {
        _input = input;
        _model = model;
        _outputs = [new(outputColumnName, CodesType(model.Shape))];
    }

    /// <summary>Vector&lt;Key&lt;UInt32, K&gt;, h·w&gt;: key = code + 1, as ML.NET keys count from 1.</summary>
    public static VectorDataViewType CodesType(VectorQuantizerShape shape) =>
        new(new KeyDataViewType(typeof(uint), shape.CodebookSize), shape.CodeCount);

    public override IReadOnlyList<OutputColumn> OutputColumns => _outputs;

    public override IEnumerable<DataViewSchema.Column> GetDependencies(bool[] activeOutputs) => [_input];

    public override BatchComputation CreateComputation(DataViewRow input, bool[] activeOutputs, int capacity) =>
        new Computation(this, input, capacity);

    private sealed class Computation : BatchComputation
    {
        private readonly VectorQuantizerMapper _owner;
        private readonly DataViewRow _input;
        private readonly DensityVectorReader _reader;
        private readonly float[] _images;
        private readonly int[] _codes;

        public Computation(VectorQuantizerMapper owner, DataViewRow input, int capacity)
        {
            _owner = owner;
            _input = input;
            var shape = owner._model.Shape;
            _reader = DensityVectorReader.Create(input, owner._input, VectorQuantizerColumns.ValueCheck, shape.Dimension);
            _images = new float[capacity * shape.Dimension];
            _codes = new int[capacity * shape.CodeCount];
        }

        public override void Capture(int slot)
        {
            int d = _owner._model.Shape.Dimension;
            _reader.Read(_input.Position).CopyTo(_images.AsSpan(slot * d, d));
        }

        public override void Compute(int count) => _owner._model.Encode(_images, count, _codes);

        public override ValueGetter<T> GetGetter<T>(int outputIndex, Func<int> slot)
        {
            if (typeof(T) != typeof(VBuffer<uint>)) throw new InvalidOperationException($"Requested {typeof(T).Name} from a column of VBuffer<UInt32>.");
            int n = _owner._model.Shape.CodeCount;
            ValueGetter<VBuffer<uint>> getter = (ref VBuffer<uint> value) =>
            {
                // A new array each read, like every ArML vector getter (see DetachedVectors).
                var keys = new uint[n];
                int start = slot() * n;
                for (int i = 0; i < n; i++) keys[i] = (uint)_codes[start + i] + 1;
                value = new VBuffer<uint>(n, keys);
            };
            return (ValueGetter<T>)(Delegate)getter;
        }
    }
}
