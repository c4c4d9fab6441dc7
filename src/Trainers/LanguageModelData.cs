using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Data;
using ArML.Training;

namespace ArML.Trainers;

/// <summary>
/// Training data of every language-model family, read once through a cursor into a compact token buffer. For random windows the rows are
/// concatenated with one separator between them; for row-aligned batches each row is framed on its own
/// (condition, separator, tokens, separator) and its start and first scored position are kept.
/// </summary>
/// <remarks>
/// Token keys become model ids through a <see cref="TokenKeyMap"/>: the given one (validation data, fine-tuning), or
/// one learned in the same pass (training data), the buffer holding provisional ids until the pass ends and it is
/// renumbered in place.
/// </remarks>
internal sealed class LanguageModelData
{
    private LanguageModelData(TokenKeyMap map, TokenIdLayout layout, TokenBuffer tokens, long[]? rowStarts, int[]? firstTargets, long rows, long predictedTokens)
    {
        Map = map;
        Layout = layout;
        Tokens = tokens;
        RowStarts = rowStarts;
        FirstTargets = firstTargets;
        Rows = rows;
        PredictedTokens = predictedTokens;
    }

    /// <summary>How the token column's keys became the ids in <see cref="Tokens"/>.</summary>
    public TokenKeyMap Map { get; }

    /// <summary>The id layout of <see cref="Tokens"/> (tokens of <see cref="Map"/>, separator, conditions).</summary>
    public TokenIdLayout Layout { get; }

    public TokenBuffer Tokens { get; }

    /// <summary>Row-aligned only: start of row i in <see cref="Tokens"/>, and the end as the last entry.</summary>
    public long[]? RowStarts { get; }

    /// <summary>Row-aligned only: position of the first scored target of each row.</summary>
    public int[]? FirstTargets { get; }

    /// <summary>Rows with at least one token.</summary>
    public long Rows { get; }

    /// <summary>Predicted positions in one pass (the tokens and each row's end).</summary>
    public long PredictedTokens { get; }

    /// <summary>
    /// A SHA-256 of the ids as read, of the row boundaries and of the keys behind the ids (two data sets whose keys
    /// differ but renumber to the same ids are different data): one pass over the buffer.
    /// </summary>
    public string Fingerprint()
    {
        using var hash = new ContentHash();
        Tokens.HashInto(hash);
        if (RowStarts != null) hash.Append<long>(RowStarts);
        hash.Append<int>(Map.UsedKeys.ToArray());
        hash.Append(Map.ColumnKeyCount);
        return hash.Finish();
    }

    /// <summary>The layout of a model over <paramref name="map"/>'s tokens.</summary>
    public static TokenIdLayout LayoutOf(TokenKeyMap map, int conditionKeyCount) => new(map.TokenCount, conditionKeyCount, HasUnknown: map.UnknownId >= 0);

    /// <summary>Reads the rows of a layout without an unknown token: key k is id k − 1.</summary>
    public static LanguageModelData Read(IDataView data, string tokenColumn, string? conditionColumn, TokenIdLayout vocabulary, BatchLayout layout) =>
        vocabulary.HasUnknown ? throw new ArgumentException("A layout with an unknown token needs its key map.", nameof(vocabulary))
            : Read(data, tokenColumn, conditionColumn, vocabulary.ConditionKeyCount, layout, TokenKeyMap.Identity(vocabulary.TokenKeyCount), UnseenKeyPolicy.Throw);

    /// <summary>
    /// Reads the rows. <paramref name="map"/> null: learns the map of the keys the rows use (a missing key trains the
    /// unknown token, or throws under <see cref="UnseenKeyPolicy.Throw"/>).
    /// </summary>
    public static LanguageModelData Read(IDataView data, string tokenColumn, string? conditionColumn, int conditionKeyCount, BatchLayout layout,
        TokenKeyMap? map, UnseenKeyPolicy policy)
    {
        var tokens = data.Schema[tokenColumn];
        var columns = conditionColumn is null ? new[] { tokens } : [tokens, data.Schema[conditionColumn]];
        int keyCount = checked((int)((KeyDataViewType)((VectorDataViewType)tokens.Type).ItemType).Count);
        var learner = map is null ? new TokenKeyMapBuilder(keyCount, policy) : null;
        // While learning, token ids are provisional (0 the unknown token, then keys as first seen) and so may reach the key count.
        var vocabulary = learner is null ? LayoutOf(map!, conditionKeyCount) : new TokenIdLayout(checked(keyCount + 1), conditionKeyCount);
        var buffer = new TokenBuffer(checked(vocabulary.Size));
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
            int n = tokenReader.ReadAllowingMissing(ref ids, cursor.Position);
            int m = conditionReader?.Read(ref condition, cursor.Position) ?? 0;
            if (n == 0) continue;   // an empty row adds nothing to learn
            if (learner != null) learner.ToProvisional(ids.AsSpan(0, n), tokenColumn, cursor.Position);
            else map!.ToModelIds(ids.AsSpan(0, n), tokenColumn, cursor.Position);
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
        if (learner != null)
        {
            var (learned, finalIds) = learner.Build();
            var final = LayoutOf(learned, conditionKeyCount);
            int provisionalTokens = vocabulary.TokenKeyCount;
            buffer.Remap(id => id < provisionalTokens ? finalIds[id] : id - provisionalTokens + final.TokenKeyCount, final.Size);
            (map, vocabulary) = (learned, final);
        }
        if (layout == BatchLayout.RandomWindows) return new LanguageModelData(map!, vocabulary, buffer, null, null, rows, predicted);
        starts.Add(buffer.Length);
        return new LanguageModelData(map!, vocabulary, buffer, starts.ToArray(), firsts.ToArray(), rows, predicted);
    }
}
