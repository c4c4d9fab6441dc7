using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Data;
using ArML.Schema;

namespace ArML.Transforms.Text;

/// <summary>Maps a token-key column back to text with a <see cref="TokenVocabulary"/>, a batch of rows at a time.</summary>
internal sealed class TokensToTextMapper : BatchRowMapper
{
    private const int DefaultBatchSize = 256;
    private readonly TokenVocabulary _vocabulary;
    private readonly bool _keepSpecialTokens;
    private readonly DataViewSchema.Column _input;
    private readonly OutputColumn[] _outputs;

    public TokensToTextMapper(DataViewSchema inputSchema, string outputColumnName, string inputColumnName, TokenVocabulary vocabulary, bool keepSpecialTokens)
        : base(inputSchema, DefaultBatchSize)
    {
        _input = ColumnChecks.RequireTokenKeys(inputSchema, inputColumnName);
        ulong keyCount = ((KeyDataViewType)((VectorDataViewType)_input.Type).ItemType).Count;
        if (keyCount != (ulong)vocabulary.VocabularySize)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Column '{inputColumnName}' has {keyCount} token keys, but the decoder's {vocabulary.Description} has {vocabulary.VocabularySize}.");
        _vocabulary = vocabulary;
        _keepSpecialTokens = keepSpecialTokens;
        _outputs = [new OutputColumn(outputColumnName, TextDataViewType.Instance)];
    }

    public override IReadOnlyList<OutputColumn> OutputColumns => _outputs;

    public override IEnumerable<DataViewSchema.Column> GetDependencies(bool[] activeOutputs) => activeOutputs[0] ? [_input] : [];

    public override BatchComputation CreateComputation(DataViewRow input, bool[] activeOutputs, int capacity) =>
        new Computation(input, TokenIdReader.Create(input, _input), this, capacity);

    private sealed class Computation(DataViewRow input, TokenIdReader reader, TokensToTextMapper owner, int capacity) : BatchComputation
    {
        private readonly int[][] _ids = Enumerable.Range(0, capacity).Select(_ => new int[16]).ToArray();
        private readonly int[] _counts = new int[capacity];
        private readonly ReadOnlyMemory<char>[] _texts = new ReadOnlyMemory<char>[capacity];

        public override void Capture(int slot) => _counts[slot] = reader.Read(ref _ids[slot], input.Position);

        public override void Compute(int count)
        {
            var vocabulary = owner._vocabulary;
            for (int slot = 0; slot < count; slot++)
            {
                Span<int> ids = _ids[slot].AsSpan(0, _counts[slot]);
                if (!owner._keepSpecialTokens && vocabulary.SpecialTokens.Count > 0)
                {
                    int kept = 0;
                    foreach (int id in ids)
                        if (!vocabulary.IsSpecial(id)) ids[kept++] = id;
                    ids = ids[..kept];
                }
                _texts[slot] = vocabulary.Decode(ids).AsMemory();
            }
        }

        public override ValueGetter<T> GetGetter<T>(int outputIndex, Func<int> slot) => SlotGetter<T, ReadOnlyMemory<char>>(_texts, slot);
    }
}
