using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Data;
using ArML.Trainers.Gpt;

namespace ArML.Trainers;

/// <summary>Adds LogLikelihood, TokenCount and Perplexity, scoring a batch of rows per forward pass.</summary>
internal sealed class LanguageModelScoringMapper : BatchRowMapper
{
    private readonly DataViewSchema.Column _tokens;
    private readonly GptLanguageModel _model;
    private readonly int _stride;

    public LanguageModelScoringMapper(DataViewSchema inputSchema, DataViewSchema.Column tokens, GptLanguageModel model, int batchSize, int stride)
        : base(inputSchema, batchSize)
    {
        _tokens = tokens;
        _model = model;
        _stride = stride;
    }

    public override IReadOnlyList<OutputColumn> OutputColumns => LanguageModelScoreColumns.Outputs;

    /// <summary>The three output columns alone, for estimators' <c>GetOutputSchema</c>.</summary>
    public static DataViewSchema ScoreColumnsSchema() => LanguageModelScoreColumns.Schema();

    public override IEnumerable<DataViewSchema.Column> GetDependencies(bool[] activeOutputs) => [_tokens];

    public override BatchComputation CreateComputation(DataViewRow input, bool[] activeOutputs, int capacity) =>
        new Computation(TokenIdReader.Create(input, _tokens), input, _model, _stride, capacity);

    private sealed class Computation(TokenIdReader reader, DataViewRow input, GptLanguageModel model, int stride, int capacity) : BatchComputation
    {
        private readonly int[][] _rows = Enumerable.Range(0, capacity).Select(_ => new int[64]).ToArray();
        private readonly int[] _lengths = new int[capacity];
        private readonly double[] _logLikelihoods = new double[capacity];
        private readonly int[] _tokenCounts = new int[capacity];
        private readonly double[] _perplexities = new double[capacity];

        public override void Capture(int slot) => _lengths[slot] = reader.Read(ref _rows[slot], input.Position);

        public override void Compute(int count)
        {
            model.Score(_rows.AsSpan(0, count).ToArray(), _lengths.AsSpan(0, count).ToArray(), stride,
                _logLikelihoods.AsSpan(0, count), _tokenCounts.AsSpan(0, count));
            for (int i = 0; i < count; i++) _perplexities[i] = Math.Exp(-_logLikelihoods[i] / _tokenCounts[i]);
        }

        public override ValueGetter<T> GetGetter<T>(int outputIndex, Func<int> slot) =>
            LanguageModelScoreColumns.Getter<T>(outputIndex, slot, _logLikelihoods, _tokenCounts, _perplexities);
    }
}
