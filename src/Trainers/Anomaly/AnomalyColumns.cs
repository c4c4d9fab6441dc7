using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Data;

namespace ArML.Trainers;

/// <summary>
/// The anomaly columns a language model adds on request (<see cref="LanguageModelAnomalyScoring"/>): Score and
/// PredictedLabel, which <c>mlContext.AnomalyDetection.Evaluate</c> reads, and the per-token diagnostics.
/// </summary>
internal static class AnomalyColumns
{
    public const string ScoreColumnName = DefaultColumnNames.Score;
    public const string PredictedLabelColumnName = DefaultColumnNames.PredictedLabel;
    public const string TokenSurprisalsColumnName = "TokenSurprisals";
    public const string TokenRanksColumnName = "TokenRanks";
    public const string TopGMissesColumnName = "TopGMisses";

    /// <summary>Score (Single) and PredictedLabel (Boolean), then with diagnostics TokenSurprisals, TokenRanks and TopGMisses; none without settings.</summary>
    public static IEnumerable<OutputColumn> Outputs(LanguageModelAnomalyScoring? scoring)
    {
        if (scoring is null) yield break;
        yield return new(ScoreColumnName, NumberDataViewType.Single);
        yield return new(PredictedLabelColumnName, BooleanDataViewType.Instance);
        if (!scoring.TokenDiagnostics) yield break;
        yield return new(TokenSurprisalsColumnName, new VectorDataViewType(NumberDataViewType.Double));
        yield return new(TokenRanksColumnName, new VectorDataViewType(NumberDataViewType.Int32));
        yield return new(TopGMissesColumnName, NumberDataViewType.Int32);
    }

    /// <summary>A row's Score: mean or total surprisal (see <see cref="AnomalyScoreKind"/>).</summary>
    public static float Score(AnomalyScoreKind kind, double logLikelihood, int tokenCount) =>
        (float)(kind == AnomalyScoreKind.MeanSurprisal ? -logLikelihood / tokenCount : -logLikelihood);
}

/// <summary>
/// One batch's anomaly values, computed from the scorer's per-row outputs. The scorer fills
/// <see cref="TokenLogProbabilities"/> and <see cref="TokenRanks"/> (allocated only when the diagnostics need them).
/// </summary>
internal sealed class AnomalyBatch
{
    private readonly LanguageModelAnomalyScoring _scoring;
    private readonly float[] _scores;
    private readonly bool[] _predicted;
    private readonly int[] _misses;

    public AnomalyBatch(LanguageModelAnomalyScoring scoring, int capacity)
    {
        _scoring = scoring;
        _scores = new float[capacity];
        _predicted = new bool[capacity];
        _misses = new int[capacity];
        if (scoring.TokenDiagnostics)
        {
            TokenLogProbabilities = new double[capacity][];
            TokenRanks = new int[capacity][];
        }
    }

    /// <summary>Per row, each predicted token's log-probability (diagnostics only; null otherwise).</summary>
    public double[][]? TokenLogProbabilities { get; }

    /// <summary>Per row, each predicted token's rank, 1 = most probable (diagnostics only; null otherwise).</summary>
    public int[][]? TokenRanks { get; }

    /// <summary>Computes the first <paramref name="count"/> rows' values once the scorer has filled its outputs.</summary>
    public void Compute(int count, ReadOnlySpan<double> logLikelihoods, ReadOnlySpan<int> tokenCounts)
    {
        for (int i = 0; i < count; i++)
        {
            _scores[i] = AnomalyColumns.Score(_scoring.ScoreKind, logLikelihoods[i], tokenCounts[i]);
            _predicted[i] = _scores[i] > _scoring.Threshold;
            if (TokenRanks is null) continue;
            int misses = 0;
            foreach (int rank in TokenRanks[i])
                if (rank > _scoring.TopG) misses++;
            _misses[i] = misses;
        }
    }

    /// <summary>A getter for anomaly output <paramref name="index"/> (in <see cref="AnomalyColumns.Outputs"/> order).</summary>
    public ValueGetter<T> GetGetter<T>(int index, Func<int> slot)
    {
        switch (index)
        {
            case 0: return BatchComputation.SlotGetter<T, float>(_scores, slot);
            case 1: return BatchComputation.SlotGetter<T, bool>(_predicted, slot);
            case 2:
                ValueGetter<VBuffer<double>> surprisals = (ref VBuffer<double> value) =>
                {
                    var logp = TokenLogProbabilities![slot()];
                    var values = new double[logp.Length];
                    for (int t = 0; t < values.Length; t++) values[t] = -logp[t];
                    value = new VBuffer<double>(values.Length, values);
                };
                return surprisals as ValueGetter<T> ?? throw new InvalidOperationException($"{AnomalyColumns.TokenSurprisalsColumnName} holds VBuffer<Double>.");
            case 3:
                ValueGetter<VBuffer<int>> ranks = (ref VBuffer<int> value) => DetachedVectors.Write<int>(TokenRanks![slot()], ref value);
                return ranks as ValueGetter<T> ?? throw new InvalidOperationException($"{AnomalyColumns.TokenRanksColumnName} holds VBuffer<Int32>.");
            default: return BatchComputation.SlotGetter<T, int>(_misses, slot);
        }
    }
}
