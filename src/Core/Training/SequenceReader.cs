using Microsoft.ML;
using ArML.Data;

namespace ArML.Training;

/// <summary>Reads a token column through one cursor into a compact <see cref="TokenBuffer"/>.</summary>
internal static class SequenceReader
{
    /// <summary>
    /// Concatenates the rows of <paramref name="tokenColumnName"/> with <paramref name="separatorId"/> before the
    /// first row, between rows and after the last (as GPT-2 separates documents with one end-of-text token).
    /// Rows with no tokens add nothing.
    /// </summary>
    /// <returns>The buffer and the number of rows read.</returns>
    public static (TokenBuffer Tokens, long Rows) ReadConcatenated(IDataView data, string tokenColumnName, int vocabularySize, int separatorId)
    {
        ArgumentNullException.ThrowIfNull(data);
        var column = Schema.ColumnChecks.RequireTokenKeys(data.Schema, tokenColumnName);
        var buffer = new TokenBuffer(vocabularySize);
        buffer.Add(separatorId);
        long rows = 0;
        using var cursor = data.GetRowCursor([column]);
        var reader = TokenIdReader.Create(cursor, column);
        var ids = new int[256];
        while (cursor.MoveNext())
        {
            int n = reader.Read(ref ids, cursor.Position);
            rows++;
            if (n == 0) continue;
            buffer.AddRange(ids.AsSpan(0, n));
            buffer.Add(separatorId);
        }
        return (buffer, rows);
    }
}
