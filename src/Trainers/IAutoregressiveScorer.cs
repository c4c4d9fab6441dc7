using ArML.Persistence;

namespace ArML.Trainers;

/// <summary>
/// A trained autoregressive language model as <see cref="LanguageModelTransformer"/> uses it: exact log-likelihoods
/// of framed rows, and saving. The GPT, LSTM/GRU and linear-baseline families implement it, so they share the
/// transformer, its columns and persistence; they generate through <see cref="Generation.IStepDecodingModel"/>, which
/// each implements too.
/// </summary>
/// <remarks>
/// Rows are framed by <see cref="TokenIdLayout.Frame"/> (<c>[c₁ … cₘ] SEP t₁ … tₙ SEP</c>) and every target from the
/// first token to the final SEP is predicted, so a row's log-likelihood is that of the complete row. Implementations
/// are thread-safe: the transformer's cursors may call them concurrently.
/// </remarks>
public interface IAutoregressiveScorer : IDisposable
{
    /// <summary>The id layout (tokens, separator, conditions).</summary>
    TokenIdLayout Vocabulary { get; }

    /// <summary>
    /// Positions of left context a single forward pass takes; rows longer than this are scored in sliding windows.
    /// <see cref="int.MaxValue"/> for models that read any row in one pass, carrying a state (recurrent models).
    /// </summary>
    int ContextLength { get; }

    /// <summary>
    /// Log-likelihood (natural log) of each framed row's targets from <paramref name="firstTargets"/> on, and their number.
    /// </summary>
    /// <param name="framed">Framed rows (<see cref="TokenIdLayout.Frame"/>); only the first <paramref name="lengths"/> ids count.</param>
    /// <param name="lengths">Length of each framed row.</param>
    /// <param name="firstTargets">Position of each row's first scored target.</param>
    /// <param name="stride">Sliding-window step for rows longer than <see cref="ContextLength"/>, 1..ContextLength.</param>
    /// <param name="logLikelihoods">Receives each row's summed log-probability.</param>
    /// <param name="tokenCounts">Receives each row's number of scored targets.</param>
    /// <param name="tokenLogProbabilities">When not null, receives each row's per-target log-probabilities.</param>
    /// <param name="tokenRanks">
    /// When not null, receives each row's per-target ranks: 1 + the number of predictable ids (tokens and separator)
    /// strictly more probable than the target.
    /// </param>
    void ScoreFramed(IReadOnlyList<int[]> framed, IReadOnlyList<int> lengths, IReadOnlyList<int> firstTargets, int stride,
        Span<double> logLikelihoods, Span<int> tokenCounts, double[][]? tokenLogProbabilities = null, int[][]? tokenRanks = null);

    /// <summary>The persisted kind of a transformer holding this model (a key of <see cref="ArmlComponentRegistry"/>).</summary>
    string ArmlKind { get; }

    /// <summary>Layout version of <see cref="ArmlKind"/> that <see cref="SaveArml"/> writes.</summary>
    int ArmlKindVersion { get; }

    /// <summary>Writes the model and <paramref name="owner"/>'s settings (columns, vocabulary, scoring options).</summary>
    void SaveArml(ArmlComponentWriter writer, LanguageModelTransformer owner);
}
