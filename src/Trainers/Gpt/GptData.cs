using Microsoft.ML;
using ArML.Data;
using ArML.Training;

namespace ArML.Trainers.Gpt;

/// <summary>
/// Training data read once through a cursor into a compact token buffer. For random windows the rows are
/// concatenated with one separator between them; for row-aligned batches each row is framed on its own
/// (condition, separator, tokens, separator) and its start and first scored position are kept.
/// </summary>
internal sealed class GptData
{
    private GptData(TokenBuffer tokens, long[]? rowStarts, int[]? firstTargets, long rows, long predictedTokens)
    {
        Tokens = tokens;
        RowStarts = rowStarts;
        FirstTargets = firstTargets;
        Rows = rows;
        PredictedTokens = predictedTokens;
    }

    public TokenBuffer Tokens { get; }

    /// <summary>Row-aligned only: start of row i in <see cref="Tokens"/>, and the end as the last entry.</summary>
    public long[]? RowStarts { get; }

    /// <summary>Row-aligned only: position of the first scored target of each row.</summary>
    public int[]? FirstTargets { get; }

    /// <summary>Rows with at least one token.</summary>
    public long Rows { get; }

    /// <summary>Predicted positions in one pass (the tokens and each row's end).</summary>
    public long PredictedTokens { get; }

    /// <summary>A SHA-256 of the ids as read and of the row boundaries: one pass over the buffer.</summary>
    public string Fingerprint()
    {
        using var hash = new ContentHash();
        Tokens.HashInto(hash);
        if (RowStarts != null) hash.Append<long>(RowStarts);
        return hash.Finish();
    }

    public static GptData Read(IDataView data, string tokenColumn, string? conditionColumn, TokenIdLayout vocabulary, BatchLayout layout)
    {
        var tokens = data.Schema[tokenColumn];
        var columns = conditionColumn is null ? new[] { tokens } : [tokens, data.Schema[conditionColumn]];
        var buffer = new TokenBuffer(vocabulary.Size);
        var starts = new List<long>();
        var firsts = new List<int>();
        long rows = 0, predicted = 0;
        var framed = new List<int>();
        var ids = new int[256];
        var condition = new int[16];

        using var cursor = data.GetRowCursor(columns);
        var tokenReader = TokenIdReader.Create(cursor, tokens);
        var conditionReader = conditionColumn is null ? null : TokenIdReader.CreateForKeyOrKeyVector(cursor, data.Schema[conditionColumn]);
        if (layout == BatchLayout.RandomWindows) buffer.Add(vocabulary.Separator);
        while (cursor.MoveNext())
        {
            int n = tokenReader.Read(ref ids, cursor.Position);
            int m = conditionReader?.Read(ref condition, cursor.Position) ?? 0;
            if (n == 0) continue;   // an empty row adds nothing to learn
            rows++;
            predicted += n + 1;
            if (layout == BatchLayout.RandomWindows)
            {
                buffer.AddRange(ids.AsSpan(0, n));
                buffer.Add(vocabulary.Separator);
                continue;
            }
            starts.Add(buffer.Length);
            firsts.Add(vocabulary.Frame(condition.AsSpan(0, m), ids.AsSpan(0, n), framed));
            buffer.AddRange(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(framed));
        }
        if (layout == BatchLayout.RandomWindows) return new GptData(buffer, null, null, rows, predicted);
        starts.Add(buffer.Length);
        return new GptData(buffer, starts.ToArray(), firsts.ToArray(), rows, predicted);
    }
}
