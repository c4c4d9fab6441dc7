using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Data;
using ArML.Schema;

namespace ArML.Transforms.Text;

/// <summary>
/// Maps a text column to a token-key column with a <see cref="TokenVocabulary"/> and <see cref="TokenizeOptions"/>,
/// a batch of rows at a time. Null and empty text give empty vectors (or only the requested special tokens).
/// </summary>
internal sealed class TextToTokensMapper : BatchRowMapper
{
    private const int DefaultBatchSize = 256;
    private readonly RowEncoder _encoder;
    private readonly DataViewSchema.Column _input;
    private readonly OutputColumn[] _outputs;

    public TextToTokensMapper(DataViewSchema inputSchema, string outputColumnName, string inputColumnName, TokenVocabulary vocabulary, TokenizeOptions options)
        : base(inputSchema, DefaultBatchSize)
    {
        _input = ColumnChecks.RequireText(inputSchema, inputColumnName);
        _encoder = new RowEncoder(vocabulary, options, inputColumnName);
        _outputs = [new OutputColumn(outputColumnName, TokenKeyColumn.Type(vocabulary.VocabularySize), TokenKeyColumn.Annotations(vocabulary))];
    }

    public override IReadOnlyList<OutputColumn> OutputColumns => _outputs;

    public override IEnumerable<DataViewSchema.Column> GetDependencies(bool[] activeOutputs) => activeOutputs[0] ? [_input] : [];

    public override BatchComputation CreateComputation(DataViewRow input, bool[] activeOutputs, int capacity) =>
        new Computation(input, input.GetGetter<ReadOnlyMemory<char>>(_input), _encoder, capacity);

    private sealed class Computation(DataViewRow input, ValueGetter<ReadOnlyMemory<char>> getter, RowEncoder encoder, int capacity) : BatchComputation
    {
        private readonly ReadOnlyMemory<char>[] _texts = new ReadOnlyMemory<char>[capacity];
        private readonly long[] _rows = new long[capacity];
        private readonly VBuffer<uint>[] _tokens = new VBuffer<uint>[capacity];
        private readonly List<int> _ids = [];

        public override void Capture(int slot)
        {
            getter(ref _texts[slot]);
            _rows[slot] = input.Position;
        }

        public override void Compute(int count)
        {
            for (int slot = 0; slot < count; slot++)
            {
                encoder.Encode(_texts[slot].Span, _rows[slot], _ids);
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
