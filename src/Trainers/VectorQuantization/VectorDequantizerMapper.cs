using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Data;
using ArML.Trainers.Density;

namespace ArML.Trainers.VectorQuantization;

/// <summary>Adds the decoded images column: each row's codes decoded, a batch of rows per forward pass.</summary>
internal sealed class VectorDequantizerMapper : BatchRowMapper
{
    private readonly DataViewSchema.Column _input;
    private readonly VectorQuantizerModel _model;
    private readonly OutputColumn[] _outputs;

    public VectorDequantizerMapper(DataViewSchema inputSchema, DataViewSchema.Column input, VectorQuantizerModel model, string outputColumnName, int batchSize)
        : base(inputSchema, batchSize)
    {
        _input = input;
        _model = model;
        _outputs = [new(outputColumnName, new VectorDataViewType(NumberDataViewType.Single, model.Shape.Dimension))];
    }

    public override IReadOnlyList<OutputColumn> OutputColumns => _outputs;

    public override IEnumerable<DataViewSchema.Column> GetDependencies(bool[] activeOutputs) => [_input];

    public override BatchComputation CreateComputation(DataViewRow input, bool[] activeOutputs, int capacity) =>
        new Computation(this, input, capacity);

    private sealed class Computation : BatchComputation
    {
        private readonly VectorDequantizerMapper _owner;
        private readonly DataViewRow _input;
        private readonly DensityVectorReader _reader;
        private readonly int[] _codes;
        private readonly float[] _images;

        public Computation(VectorDequantizerMapper owner, DataViewRow input, int capacity)
        {
            _owner = owner;
            _input = input;
            var shape = owner._model.Shape;
            // A categorical check of K values: the reader names the column, row and index of a wrong length, a missing
            // key (NaN) or a code outside 0 … K − 1, before anything reaches the network.
            _reader = DensityVectorReader.Create(input, owner._input, new CategoricalDistribution(shape.CodebookSize), shape.CodeCount);
            _codes = new int[capacity * shape.CodeCount];
            _images = new float[capacity * shape.Dimension];
        }

        public override void Capture(int slot)
        {
            var codes = _reader.Read(_input.Position);
            for (int i = 0; i < codes.Length; i++) _codes[slot * codes.Length + i] = (int)codes[i];
        }

        public override void Compute(int count) => _owner._model.Decode(_codes, count, _images);

        public override ValueGetter<T> GetGetter<T>(int outputIndex, Func<int> slot)
        {
            if (typeof(T) != typeof(VBuffer<float>)) throw new InvalidOperationException($"Requested {typeof(T).Name} from a column of VBuffer<Single>.");
            int d = _owner._model.Shape.Dimension;
            ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> value) =>
            {
                // A new array each read, like every ArML vector getter (see DetachedVectors).
                var image = _images.AsSpan(slot() * d, d).ToArray();
                value = new VBuffer<float>(d, image);
            };
            return (ValueGetter<T>)(Delegate)getter;
        }
    }
}
