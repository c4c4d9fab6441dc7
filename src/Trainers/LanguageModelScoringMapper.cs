using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Data;
using ArML.Schema;

namespace ArML.Trainers;

/// <summary>
/// Adds LogLikelihood, TokenCount and Perplexity (and optionally TokenLogProbabilities and the anomaly columns),
/// scoring a batch of rows per forward pass.
/// </summary>
internal sealed class LanguageModelScoringMapper : BatchRowMapper
{
    public const string TokenLogProbabilitiesColumnName = DefaultColumnNames.TokenLogProbabilities;

    private readonly DataViewSchema.Column _tokens;
    private readonly DataViewSchema.Column? _condition;
    private readonly IAutoregressiveScorer _model;
    private readonly TokenKeyMap _keyMap;
    private readonly int _stride;
    private readonly bool _tokenLogProbabilities;
    private readonly LanguageModelAnomalyScoring? _anomaly;
    private readonly OutputColumn[] _outputs;

    public LanguageModelScoringMapper(DataViewSchema inputSchema, DataViewSchema.Column tokens, DataViewSchema.Column? condition,
        IAutoregressiveScorer model, TokenKeyMap keyMap, bool tokenLogProbabilities, int batchSize, int stride, LanguageModelAnomalyScoring? anomaly = null)
        : base(inputSchema, batchSize)
    {
        _tokens = tokens;
        _condition = condition;
        _model = model;
        _keyMap = keyMap;
        _stride = stride;
        _tokenLogProbabilities = tokenLogProbabilities;
        _anomaly = anomaly;
        _outputs = Outputs(tokenLogProbabilities, anomaly);
    }

    public override IReadOnlyList<OutputColumn> OutputColumns => _outputs;

    private static OutputColumn[] Outputs(bool tokenLogProbabilities, LanguageModelAnomalyScoring? anomaly)
    {
        var outputs = new List<OutputColumn>(LanguageModelScoreColumns.Outputs);
        if (tokenLogProbabilities) outputs.Add(new(TokenLogProbabilitiesColumnName, new VectorDataViewType(NumberDataViewType.Double)));
        outputs.AddRange(AnomalyColumns.Outputs(anomaly));
        return outputs.ToArray();
    }

    /// <summary>The score columns alone, for estimators' <c>GetOutputSchema</c> (with the anomaly columns when <paramref name="anomaly"/> is set).</summary>
    public static DataViewSchema ScoreColumnsSchema(bool tokenLogProbabilities = false, LanguageModelAnomalyOptions? anomaly = null)
    {
        var builder = new DataViewSchema.Builder();
        var settings = anomaly is null ? null : new LanguageModelAnomalyScoring(anomaly.ScoreKind, 0f, anomaly.TokenDiagnostics, anomaly.TopG);
        foreach (var column in Outputs(tokenLogProbabilities, settings)) builder.AddColumn(column.Name, column.Type);
        return builder.ToSchema();
    }

    /// <summary>Key count of a condition column (a key or a vector of keys).</summary>
    public static int ConditionKeyCount(DataViewSchema schema, string name)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(name), $"Condition column '{name}' was not found in the input schema.");
        var item = column.Type is VectorDataViewType vector ? vector.ItemType : column.Type;
        if (item is not KeyDataViewType key || key.Count == 0 || key.Count > int.MaxValue / 2)
            throw new ArgumentOutOfRangeException(nameof(name), $"Condition column '{name}' must be a key or a vector of keys, but is {column.Type}.");
        return (int)key.Count;
    }

    public override IEnumerable<DataViewSchema.Column> GetDependencies(bool[] activeOutputs) =>
        _condition is { } c ? [_tokens, c] : [_tokens];

    public override BatchComputation CreateComputation(DataViewRow input, bool[] activeOutputs, int capacity) =>
        new Computation(this, input, capacity);

    private sealed class Computation : BatchComputation
    {
        private readonly LanguageModelScoringMapper _owner;
        private readonly DataViewRow _input;
        private readonly TokenIdReader _tokens;
        private readonly TokenIdReader? _condition;
        private readonly int[][] _framed;
        private readonly int[] _lengths;
        private readonly int[] _firstTargets;
        private readonly double[] _logLikelihoods;
        private readonly int[] _tokenCounts;
        private readonly double[] _perplexities;
        private readonly double[][]? _tokenLogProbabilities;
        private readonly AnomalyBatch? _anomaly;
        private readonly int _firstAnomalyOutput;
        private readonly List<int> _frame = [];
        private int[] _ids = new int[64];
        private int[] _conditionIds = new int[16];

        public Computation(LanguageModelScoringMapper owner, DataViewRow input, int capacity)
        {
            _owner = owner;
            _input = input;
            _tokens = TokenIdReader.Create(input, owner._tokens);
            _condition = owner._condition is { } c ? TokenIdReader.CreateForKeyOrKeyVector(input, c) : null;
            _framed = new int[capacity][];
            _lengths = new int[capacity];
            _firstTargets = new int[capacity];
            _logLikelihoods = new double[capacity];
            _tokenCounts = new int[capacity];
            _perplexities = new double[capacity];
            _anomaly = owner._anomaly is { } scoring ? new AnomalyBatch(scoring, capacity) : null;
            // The diagnostics' log-probabilities serve the TokenLogProbabilities column too: one array per row.
            _tokenLogProbabilities = _anomaly?.TokenLogProbabilities ?? (owner._tokenLogProbabilities ? new double[capacity][] : null);
            _firstAnomalyOutput = owner._tokenLogProbabilities ? 4 : 3;
        }

        public override void Capture(int slot)
        {
            int n = _tokens.ReadAllowingMissing(ref _ids, _input.Position);
            _owner._keyMap.ToModelIds(_ids.AsSpan(0, n), _owner._tokens.Name, _input.Position);
            int m = _condition?.Read(ref _conditionIds, _input.Position) ?? 0;
            _firstTargets[slot] = _owner._model.Vocabulary.Frame(_conditionIds.AsSpan(0, m), _ids.AsSpan(0, n), _frame);
            _framed[slot] = _frame.ToArray();
            _lengths[slot] = _frame.Count;
        }

        public override void Compute(int count)
        {
            _owner._model.ScoreFramed(_framed[..count], _lengths[..count], _firstTargets[..count], _owner._stride,
                _logLikelihoods.AsSpan(0, count), _tokenCounts.AsSpan(0, count), _tokenLogProbabilities, _anomaly?.TokenRanks);
            for (int i = 0; i < count; i++) _perplexities[i] = Math.Exp(-_logLikelihoods[i] / _tokenCounts[i]);
            _anomaly?.Compute(count, _logLikelihoods, _tokenCounts);
        }

        public override ValueGetter<T> GetGetter<T>(int outputIndex, Func<int> slot)
        {
            if (outputIndex < 3) return LanguageModelScoreColumns.Getter<T>(outputIndex, slot, _logLikelihoods, _tokenCounts, _perplexities);
            if (outputIndex >= _firstAnomalyOutput) return _anomaly!.GetGetter<T>(outputIndex - _firstAnomalyOutput, slot);
            ValueGetter<VBuffer<double>> getter = (ref VBuffer<double> value) => DetachedVectors.Write<double>(_tokenLogProbabilities![slot()], ref value);
            return getter as ValueGetter<T> ?? throw new InvalidOperationException($"{TokenLogProbabilitiesColumnName} holds VBuffer<Double>.");
        }
    }
}
