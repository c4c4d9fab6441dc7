using Microsoft.ML;
using ArML.Data;

namespace ArML.Trainers.NGram;

/// <summary>
/// Adds LogLikelihood, TokenCount and Perplexity (and the anomaly columns, when asked) by scoring each row as one
/// sentence of an n-gram model.
/// </summary>
internal sealed class NGramScoringMapper : BatchRowMapper
{
    private readonly DataViewSchema.Column _tokens;
    private readonly NGramLanguageModel _model;
    private readonly TokenKeyMap _keyMap;
    private readonly int[] _wordOfId;
    private readonly LanguageModelAnomalyScoring? _anomaly;
    private readonly OutputColumn[] _outputs;

    public NGramScoringMapper(DataViewSchema inputSchema, DataViewSchema.Column tokens, NGramLanguageModel model, TokenKeyMap keyMap, int[] wordOfId,
        int batchSize, LanguageModelAnomalyScoring? anomaly = null)
        : base(inputSchema, batchSize)
    {
        _tokens = tokens;
        _model = model;
        _keyMap = keyMap;
        _wordOfId = wordOfId;
        _anomaly = anomaly;
        _outputs = [.. LanguageModelScoreColumns.Outputs, .. AnomalyColumns.Outputs(anomaly)];
    }

    public override IReadOnlyList<OutputColumn> OutputColumns => _outputs;

    public override IEnumerable<DataViewSchema.Column> GetDependencies(bool[] activeOutputs) => [_tokens];

    public override BatchComputation CreateComputation(DataViewRow input, bool[] activeOutputs, int capacity) =>
        new Computation(this, TokenIdReader.Create(input, _tokens), input, capacity);

    /// <summary>
    /// The log10 probability of each predicted word of a sentence (its words, then &lt;/s&gt;) and, when
    /// <paramref name="ranks"/> is given, each one's rank: 1 + the number of words (&lt;s&gt; aside, which is never
    /// predicted) more probable in its context.
    /// </summary>
    internal static void ScoreWords(NGramLanguageModel model, ReadOnlySpan<int> words, Span<int> state, double[] log10Probabilities, int[]? ranks,
        double[] scratch)
    {
        model.StartSentence(state);
        for (int i = 0; i <= words.Length; i++)
        {
            int word = i < words.Length ? words[i] : NGramLanguageModel.SentenceEndId;
            if (ranks != null)
            {
                model.NextWordLog10Probabilities(state, scratch);
                int above = 0;
                for (int w = 0; w < scratch.Length; w++)
                    if (w != NGramLanguageModel.SentenceStartId && scratch[w] > scratch[word]) above++;
                ranks[i] = above + 1;
            }
            log10Probabilities[i] = model.Advance(state, word);
        }
    }

    // Each row is scored as it is captured, from one buffer: an n-gram model needs no batch, and a long row is then
    // read, mapped and scored while it is still in the cache (capturing a batch of long rows first sent them all
    // through memory: a view of 111k-token rows scored at 0.7x of the model's own speed).
    private sealed class Computation(NGramScoringMapper owner, TokenIdReader reader, DataViewRow input, int capacity) : BatchComputation
    {
        private int[] _ids = new int[64];
        private readonly double[] _logLikelihoods = new double[capacity];
        private readonly int[] _tokenCounts = new int[capacity];
        private readonly double[] _perplexities = new double[capacity];
        private readonly int[] _state = new int[Math.Max(0, owner._model.Order - 1)];
        private readonly AnomalyBatch? _anomaly = owner._anomaly is { } scoring ? new AnomalyBatch(scoring, capacity) : null;
        private readonly double[] _scratch = owner._anomaly is { TokenDiagnostics: true } ? new double[owner._model.VocabularySize] : [];

        public override void Capture(int slot)
        {
            int n = reader.ReadAllowingMissing(ref _ids, input.Position);
            var ids = _ids.AsSpan(0, n);
            owner._keyMap.ToModelIds(ids, owner._tokens.Name, input.Position);
            for (int i = 0; i < ids.Length; i++) ids[i] = owner._wordOfId[ids[i]];   // keys the model never saw are <unk>
            _tokenCounts[slot] = ids.Length + 1;
            if (_anomaly?.TokenRanks is { } ranks)
            {
                var logp = _anomaly.TokenLogProbabilities![slot] = new double[ids.Length + 1];
                ScoreWords(owner._model, ids, _state, logp, ranks[slot] = new int[ids.Length + 1], _scratch);
                double log10 = 0;   // summed as Log10Sentence sums, so LogLikelihood does not depend on the diagnostics
                for (int i = 0; i < logp.Length; i++)
                {
                    log10 += logp[i];
                    logp[i] *= Math.Log(10);
                }
                _logLikelihoods[slot] = log10 * Math.Log(10);
            }
            else
            {
                _logLikelihoods[slot] = owner._model.Log10Sentence(ids, _state) * Math.Log(10);
            }
            _perplexities[slot] = Math.Exp(-_logLikelihoods[slot] / _tokenCounts[slot]);
        }

        public override void Compute(int count) => _anomaly?.Compute(count, _logLikelihoods, _tokenCounts);

        public override ValueGetter<T> GetGetter<T>(int outputIndex, Func<int> slot) => outputIndex < 3
            ? LanguageModelScoreColumns.Getter<T>(outputIndex, slot, _logLikelihoods, _tokenCounts, _perplexities)
            : _anomaly!.GetGetter<T>(outputIndex - 3, slot);
    }
}
