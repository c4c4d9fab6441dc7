using System.Globalization;
using ArML.Data;
using ArML.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Trainers.Classification;

/// <summary>
/// Labeled rows read once through a cursor: each row's token ids framed as <c>SEP t₁ … tₖ SEP</c> (at most
/// context − 2 tokens, the first ones) and its class index. Every row counts, empty ones included (they are framed
/// as SEP SEP), so nothing is dropped.
/// </summary>
internal sealed class ClassifierRows
{
    private ClassifierRows(TokenKeyMap map, TokenIdLayout layout, int[][] framed, int[] labels)
    {
        Map = map;
        Layout = layout;
        Framed = framed;
        Labels = labels;
    }

    /// <summary>How the token column's keys became model ids.</summary>
    public TokenKeyMap Map { get; }

    /// <summary>The model's id layout (tokens of <see cref="Map"/>, then the separator).</summary>
    public TokenIdLayout Layout { get; }

    /// <summary>Each row framed (<see cref="Frame"/>).</summary>
    public int[][] Framed { get; }

    /// <summary>Each row's class index, 0-based (binary: false 0, true 1).</summary>
    public int[] Labels { get; }

    /// <summary>Rows read.</summary>
    public int Count => Labels.Length;

    /// <summary>A SHA-256 of the rows' ids, their lengths, labels and the keys behind the ids.</summary>
    public string Fingerprint()
    {
        using var hash = new ContentHash();
        foreach (var row in Framed)
        {
            hash.Append(row.Length);
            hash.Append<int>(row);
        }
        hash.Append<int>(Labels);
        hash.Append<int>(Map.UsedKeys.ToArray());
        return hash.Finish();
    }

    /// <summary>
    /// Frames the model ids <paramref name="ids"/> as <c>SEP t₁ … tₖ SEP</c> with k ≤ <paramref name="context"/> − 2:
    /// the last position is where the classifier reads the row.
    /// </summary>
    public static int[] Frame(TokenIdLayout layout, ReadOnlySpan<int> ids, int context, List<int> buffer)
    {
        layout.Frame([], ids[..Math.Min(ids.Length, context - 2)], buffer);
        return buffer.ToArray();
    }

    /// <summary>
    /// Reads <paramref name="data"/>. <paramref name="map"/> null: learns the map of the keys the rows use.
    /// <paramref name="classCount"/>: the label's key count (multiclass), or 2 with a Boolean label.
    /// </summary>
    /// <exception cref="InvalidDataException">A row's label is missing or outside the key range (the row is named).</exception>
    public static ClassifierRows Read(IDataView data, string tokenColumn, string labelColumn, int classCount, int context,
        TokenKeyMap? map, UnseenKeyPolicy policy)
    {
        var tokens = data.Schema[tokenColumn];
        var label = data.Schema[labelColumn];
        int keyCount = checked((int)((KeyDataViewType)((VectorDataViewType)tokens.Type).ItemType).Count);
        var learner = map is null ? new TokenKeyMapBuilder(keyCount, policy) : null;
        var rows = new List<int[]>();
        var labels = new List<int>();
        var ids = new int[256];
        var labelIds = new int[1];
        using var cursor = data.GetRowCursor([tokens, label]);
        var tokenReader = TokenIdReader.Create(cursor, tokens);
        var readLabel = LabelReader(cursor, label, labelIds);
        while (cursor.MoveNext())
        {
            int n = tokenReader.ReadAllowingMissing(ref ids, cursor.Position);
            var row = ids.AsSpan(0, n);
            if (learner != null) learner.ToProvisional(row, tokenColumn, cursor.Position);
            else map!.ToModelIds(row, tokenColumn, cursor.Position);
            rows.Add(row.ToArray());
            labels.Add(readLabel(cursor.Position));
        }
        if (learner != null)
        {
            var (learned, finalIds) = learner.Build();
            foreach (var row in rows)
                for (int i = 0; i < row.Length; i++) row[i] = finalIds[row[i]];
            map = learned;
        }
        var layout = new TokenIdLayout(map!.TokenCount, 0, HasUnknown: !map.IsIdentity);
        var buffer = new List<int>();
        var framed = rows.Select(row => Frame(layout, row, context, buffer)).ToArray();
        return new ClassifierRows(map, layout, framed, labels.ToArray());
    }

    // A Boolean label is class 0 (false) or 1 (true); a key label k is class k − 1, and the missing key 0 is refused.
    private static Func<long, int> LabelReader(DataViewRowCursor cursor, DataViewSchema.Column label, int[] buffer)
    {
        if (label.Type is BooleanDataViewType)
        {
            var getter = cursor.GetGetter<bool>(label);
            bool value = false;
            return _ =>
            {
                getter(ref value);
                return value ? 1 : 0;
            };
        }
        var reader = TokenIdReader.CreateForKeyOrKeyVector(cursor, label);
        return row =>
        {
            try
            {
                reader.Read(ref buffer, row);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"Row {row} of label column '{label.Name}' holds a label outside its key range 1..{reader.KeyCount} (or the missing key): {e.Message}"), e);
            }
            return buffer[0];
        };
    }
}
