namespace ArML.Evaluators;

/// <summary>
/// The rows that count in an evaluation (those with at least one predicted token), kept for resampling, with the
/// corpus totals the metrics are computed from.
/// </summary>
internal sealed class ScoredRows
{
    private readonly List<double> _negativeLogLikelihoods = [];
    private readonly List<int> _tokenCounts = [];
    private readonly List<long> _byteCounts = [];

    /// <summary>Creates an empty collection.</summary>
    /// <param name="hasText">Whether byte and word counts are collected.</param>
    /// <param name="keepRows">Whether each row's values are kept for resampling (only the totals otherwise).</param>
    public ScoredRows(bool hasText, bool keepRows)
    {
        HasText = hasText;
        KeepsRows = keepRows;
    }

    /// <summary>Whether byte and word counts were collected.</summary>
    public bool HasText { get; }

    /// <summary>Whether <see cref="NegativeLogLikelihoods"/> and <see cref="TokenCounts"/> hold the rows (else they are empty).</summary>
    public bool KeepsRows { get; }

    /// <summary>−log-likelihood (nats) of each counted row.</summary>
    public IReadOnlyList<double> NegativeLogLikelihoods => _negativeLogLikelihoods;

    /// <summary>Predicted tokens of each counted row.</summary>
    public IReadOnlyList<int> TokenCounts => _tokenCounts;

    /// <summary>UTF-8 bytes of each counted row's text (empty without a text column or kept rows).</summary>
    public IReadOnlyList<long> ByteCounts => _byteCounts;

    /// <summary>Total −log-likelihood over counted rows, in nats.</summary>
    public double NegativeLogLikelihood { get; private set; }

    /// <summary>Total predicted tokens.</summary>
    public long TokenCount { get; private set; }

    /// <summary>Rows with at least one predicted token.</summary>
    public long RowCount { get; private set; }

    /// <summary>Rows without a predicted token (skipped).</summary>
    public long EmptyRowCount { get; private set; }

    /// <summary>UTF-8 bytes of the counted rows' text.</summary>
    public long ByteCount { get; private set; }

    /// <summary>Whitespace-separated words of the counted rows' text.</summary>
    public long WordCount { get; private set; }

    /// <summary>Adds the reader's current row.</summary>
    public void Add(ScoredRowReader row)
    {
        if (row.TokenCount == 0)
        {
            EmptyRowCount++;
            return;
        }
        if (KeepsRows)
        {
            _negativeLogLikelihoods.Add(row.NegativeLogLikelihood);
            _tokenCounts.Add(row.TokenCount);
        }
        RowCount++;
        NegativeLogLikelihood += row.NegativeLogLikelihood;
        TokenCount += row.TokenCount;
        if (HasText)
        {
            var text = row.Text.Span;
            long bytes = ScoredRowReader.Utf8ByteCount(text);
            if (KeepsRows) _byteCounts.Add(bytes);
            ByteCount += bytes;
            WordCount += ScoredRowReader.WordCount(text);
        }
    }

    /// <summary>Reads every row of <paramref name="reader"/>.</summary>
    public static ScoredRows ReadAll(ScoredRowReader reader, bool keepRows)
    {
        var rows = new ScoredRows(reader.HasText, keepRows);
        while (reader.MoveNext()) rows.Add(reader);
        return rows;
    }

    /// <summary>Fails when no row had a predicted token.</summary>
    /// <exception cref="InvalidOperationException">Nothing to evaluate.</exception>
    public void RequireTokens(string dataName)
    {
        if (TokenCount == 0)
            throw new InvalidOperationException($"No row of {dataName} has a predicted token ({EmptyRowCount} rows with none): nothing to evaluate.");
    }
}
