using Microsoft.ML;
using ArML.Data;

namespace ArML.Trainers.NGram;

/// <summary>Adds LogLikelihood, TokenCount and Perplexity by scoring each row as one sentence of an n-gram model.</summary>
internal sealed class NGramScoringMapper : BatchRowMapper
{
    private readonly DataViewSchema.Column _tokens;
    private readonly NGramLanguageModel _model;
    private readonly TokenKeyMap _keyMap;
    private readonly int[] _wordOfId;

    public NGramScoringMapper(DataViewSchema inputSchema, DataViewSchema.Column tokens, NGramLanguageModel model, TokenKeyMap keyMap, int[] wordOfId,
        int batchSize)
        : base(inputSchema, batchSize)
    {
        _tokens = tokens;
        _model = model;
        _keyMap = keyMap;
        _wordOfId = wordOfId;
    }

    public override IReadOnlyList<OutputColumn> OutputColumns => LanguageModelScoreColumns.Outputs;

    public override IEnumerable<DataViewSchema.Column> GetDependencies(bool[] activeOutputs) => [_tokens];

    public override BatchComputation CreateComputation(DataViewRow input, bool[] activeOutputs, int capacity) =>
        new Computation(this, TokenIdReader.Create(input, _tokens), input, capacity);

    private sealed class Computation(NGramScoringMapper owner, TokenIdReader reader, DataViewRow input, int capacity) : BatchComputation
    {
        private readonly int[][] _rows = Enumerable.Range(0, capacity).Select(_ => new int[64]).ToArray();
        private readonly int[] _lengths = new int[capacity];
        private readonly double[] _logLikelihoods = new double[capacity];
        private readonly int[] _tokenCounts = new int[capacity];
        private readonly double[] _perplexities = new double[capacity];
        private readonly int[] _state = new int[Math.Max(0, owner._model.Order - 1)];

        public override void Capture(int slot)
        {
            int n = _lengths[slot] = reader.ReadAllowingMissing(ref _rows[slot], input.Position);
            owner._keyMap.ToModelIds(_rows[slot].AsSpan(0, n), owner._tokens.Name, input.Position);
        }

        public override void Compute(int count)
        {
            for (int slot = 0; slot < count; slot++)
            {
                var ids = _rows[slot].AsSpan(0, _lengths[slot]);
                for (int i = 0; i < ids.Length; i++) ids[i] = owner._wordOfId[ids[i]];   // keys the model never saw are <unk>
                _logLikelihoods[slot] = owner._model.Log10Sentence(ids, _state) * Math.Log(10);
                _tokenCounts[slot] = ids.Length + 1;
                _perplexities[slot] = Math.Exp(-_logLikelihoods[slot] / _tokenCounts[slot]);
            }
        }

        public override ValueGetter<T> GetGetter<T>(int outputIndex, Func<int> slot) =>
            LanguageModelScoreColumns.Getter<T>(outputIndex, slot, _logLikelihoods, _tokenCounts, _perplexities);
    }
}
