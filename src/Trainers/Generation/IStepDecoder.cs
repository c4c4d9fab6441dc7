namespace ArML.Trainers.Generation;

/// <summary>
/// Decodes a batch of rows step by step: <see cref="Prefill"/> the rows' beginnings, then <see cref="Append"/> one id
/// per row at a time; each call returns every row's next-id logits. Rows can be dropped, reordered or repeated
/// between steps (<see cref="Select"/>), as finished sequences and beam search need.
/// </summary>
/// <remarks>
/// Logits are written row-major into a caller's span of at least rows × <see cref="LogitCount"/> floats. A model
/// with a bounded context conditions each step on at most its context length of ids: a beginning longer than that is
/// left-truncated, and a row that would grow past it keeps its most recent half (see <see cref="ContextWindow"/>).
/// A decoder owns native memory: dispose it. Not thread-safe; one decoder per generation.
/// </remarks>
public interface IStepDecoder : IDisposable
{
    /// <summary>Rows being decoded.</summary>
    int RowCount { get; }

    /// <summary>Width of each logits row.</summary>
    int LogitCount { get; }

    /// <summary>Starts (or restarts) decoding with one row per prefix (each at least one id).</summary>
    void Prefill(IReadOnlyList<IReadOnlyList<int>> prefixes, Span<float> logits);

    /// <summary>Extends every row by one id (<paramref name="ids"/>[row]).</summary>
    void Append(ReadOnlySpan<int> ids, Span<float> logits);

    /// <summary>Keeps rows <paramref name="rows"/> in that order: new row i continues old row rows[i] (repeats allowed).</summary>
    void Select(ReadOnlySpan<int> rows);
}
