using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Data;
using ArML.Schema;
using ArML.Text;

namespace ArML.Transforms.Text;

/// <summary>Maps a text column to a token-key column with an <see cref="ITokenCodec"/>; null and empty text give empty vectors.</summary>
internal sealed class TextToTokensMapper : BatchRowMapper
{
    private const int DefaultBatchSize = 256;
    private readonly ITokenCodec _codec;
    private readonly DataViewSchema.Column _input;
    private readonly OutputColumn[] _outputs;

    public TextToTokensMapper(DataViewSchema inputSchema, string outputColumnName, string inputColumnName, ITokenCodec codec)
        : base(inputSchema, DefaultBatchSize)
    {
        _codec = codec;
        _input = ColumnChecks.RequireText(inputSchema, inputColumnName);
        _outputs = [new OutputColumn(outputColumnName, TokenKeyColumn.Type(codec.VocabularySize), TokenKeyColumn.Annotations(codec))];
    }

    public override IReadOnlyList<OutputColumn> OutputColumns => _outputs;

    public override IEnumerable<DataViewSchema.Column> GetDependencies(bool[] activeOutputs) => activeOutputs[0] ? [_input] : [];

    public override BatchComputation CreateComputation(DataViewRow input, bool[] activeOutputs, int capacity) =>
        new Computation(input.GetGetter<ReadOnlyMemory<char>>(_input), _codec, capacity);

    private sealed class Computation(ValueGetter<ReadOnlyMemory<char>> getter, ITokenCodec codec, int capacity) : BatchComputation
    {
        private readonly ReadOnlyMemory<char>[] _texts = new ReadOnlyMemory<char>[capacity];
        private readonly VBuffer<uint>[] _tokens = new VBuffer<uint>[capacity];
        private readonly List<int> _ids = [];

        public override void Capture(int slot) => getter(ref _texts[slot]);

        public override void Compute(int count)
        {
            for (int slot = 0; slot < count; slot++)
            {
                _ids.Clear();
                codec.Encode(_texts[slot].Span, _ids);
                var editor = VBufferEditor.Create(ref _tokens[slot], _ids.Count);
                for (int i = 0; i < _ids.Count; i++) editor.Values[i] = (uint)_ids[i] + 1;
                _tokens[slot] = editor.Commit();
            }
        }

        public override ValueGetter<T> GetGetter<T>(int outputIndex, Func<int> slot)
        {
            ValueGetter<VBuffer<uint>> getter = (ref VBuffer<uint> value) => _tokens[slot()].CopyTo(ref value);
            return getter as ValueGetter<T> ?? throw new InvalidOperationException($"Token columns hold VBuffer<UInt32>, not {typeof(T).Name}.");
        }
    }
}
