using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Data;

namespace ArML.Trainers;

/// <summary>
/// The three columns every ArML language-model scorer adds (GPT, n-gram, ...), defined once so that every family's
/// output is read the same way by <c>Evaluate</c> and by users.
/// </summary>
internal static class LanguageModelScoreColumns
{
    public const string LogLikelihoodColumnName = DefaultColumnNames.LogLikelihood;
    public const string TokenCountColumnName = DefaultColumnNames.TokenCount;
    public const string PerplexityColumnName = DefaultColumnNames.Perplexity;

    /// <summary>LogLikelihood (Double), TokenCount (Int32), Perplexity (Double), in this order.</summary>
    public static IReadOnlyList<OutputColumn> Outputs { get; } =
    [
        new(LogLikelihoodColumnName, NumberDataViewType.Double),
        new(TokenCountColumnName, NumberDataViewType.Int32),
        new(PerplexityColumnName, NumberDataViewType.Double),
    ];

    /// <summary>A getter for output <paramref name="outputIndex"/> (in <see cref="Outputs"/> order) over per-slot arrays.</summary>
    public static ValueGetter<T> Getter<T>(int outputIndex, Func<int> slot, double[] logLikelihoods, int[] tokenCounts, double[] perplexities) =>
        outputIndex switch
        {
            0 => BatchComputation.SlotGetter<T, double>(logLikelihoods, slot),
            1 => BatchComputation.SlotGetter<T, int>(tokenCounts, slot),
            _ => BatchComputation.SlotGetter<T, double>(perplexities, slot),
        };
}
