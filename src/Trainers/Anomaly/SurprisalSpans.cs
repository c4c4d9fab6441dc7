using ArML.Text;

namespace ArML.Trainers;

/// <summary>
/// Maps a row's per-token surprisals (the TokenSurprisals column, or −TokenLogProbabilities) back to character spans
/// of its text, so that the surprising part of a line can be shown.
/// </summary>
public static class SurprisalSpans
{
    /// <summary>
    /// One span per predicted token of <paramref name="text"/>: its tokens in order, then the end of the row (at
    /// <c>text.Length</c>, length 0). For a lossless codec (every ArML tokenizer, character keys) the token spans are
    /// contiguous and together cover the text exactly. A token whose text ends inside a character (a byte-level
    /// BPE piece of a multi-byte character) gets length 0 and the token that completes the character covers it. With a
    /// lossy codec, a run of tokens that do not decode to the text (unknown tokens) shares the characters up to the
    /// next token that does, one code point per token, as a character tokenizer's unknown characters are; the spans
    /// still cover the text.
    /// </summary>
    /// <param name="text">The row's text, exactly as it was tokenized.</param>
    /// <param name="codec">The codec of the token column (a trained model's <c>Codec</c>).</param>
    /// <param name="tokenSurprisals">The row's per-token surprisals: one per token, then one for the end of the row.</param>
    /// <exception cref="ArgumentException">
    /// The codec gives another number of tokens than <paramref name="tokenSurprisals"/> holds (the text was tokenized
    /// otherwise, or belongs to another row).
    /// </exception>
    public static IReadOnlyList<TokenSpan> Map(string text, ITokenCodec codec, IReadOnlyList<double> tokenSurprisals)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(tokenSurprisals);
        var ids = new List<int>();
        codec.Encode(text, ids);
        if (tokenSurprisals.Count != ids.Count + 1)
            throw new ArgumentException(
                $"The text has {ids.Count} tokens under the codec, so {ids.Count + 1} surprisals (its tokens and its end) were expected, but " +
                $"{tokenSurprisals.Count} were given: pass the text exactly as it was tokenized, with its own row's surprisals.", nameof(tokenSurprisals));
        var spans = new TokenSpan[ids.Count + 1];
        var idSpan = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(ids);
        int end = 0;
        for (int i = 0; i < ids.Count;)
        {
            if (EndOf(text, codec, idSpan, i, end) is int next)
            {
                spans[i] = new TokenSpan(end, next - end, tokenSurprisals[i]);
                end = next;
                i++;
                continue;
            }
            // A run of tokens that do not decode to the text (a lossy codec's unknown tokens) ends where a later
            // token's text is found again; its characters are shared out one code point per token, in order, as a
            // character tokenizer's unknowns are; the run's last token takes what is left.
            var (resumed, at) = Resume(text, codec, idSpan, i, end);
            for (int k = i; k < resumed; k++)
            {
                int stop = k == resumed - 1 ? at : Math.Min(at, end + (end < at && char.IsHighSurrogate(text[end]) && end + 1 < at ? 2 : 1));
                spans[k] = new TokenSpan(end, stop - end, tokenSurprisals[k]);
                end = stop;
            }
            i = resumed;
        }
        spans[^1] = new TokenSpan(text.Length, 0, tokenSurprisals[^1]);
        return spans;
    }

    // Where token i's text ends, given that the tokens before it end at `end`: its own decoding when the text continues
    // with it (the usual, linear case), else the decoding of the whole prefix (codecs whose pieces depend on their
    // neighbours, and byte-level pieces of one character, which end inside it until the last), else null (the token
    // does not decode to the text: an unknown token).
    private static int? EndOf(string text, ITokenCodec codec, ReadOnlySpan<int> ids, int i, int end)
    {
        string piece = codec.Decode(ids.Slice(i, 1));
        if (!piece.Contains('\uFFFD') && text.AsSpan(end).StartsWith(piece, StringComparison.Ordinal)) return end + piece.Length;
        string prefix = codec.Decode(ids[..(i + 1)]);
        if (prefix.Length > end && text.AsSpan().StartsWith(prefix, StringComparison.Ordinal)) return prefix.Length;
        // A byte-level piece of a character decodes to a replacement character until a later token (at most 3 on:
        // UTF-8 has 4 bytes at most) completes the character; an unknown token never does.
        for (int j = i + 1; j < Math.Min(ids.Length, i + 4); j++)
        {
            string longer = codec.Decode(ids[..(j + 1)]);
            if (longer.Length > end && text.AsSpan().StartsWith(longer, StringComparison.Ordinal)) return end;
        }
        return null;
    }

    // The first token after i whose own text occurs in the text past `end` (one character per skipped token at
    // least), and where; or (the token count, the text's end) when none does.
    private static (int Token, int At) Resume(string text, ITokenCodec codec, ReadOnlySpan<int> ids, int i, int end)
    {
        for (int k = i + 1; k < ids.Length; k++)
        {
            string piece = codec.Decode(ids.Slice(k, 1));
            if (piece.Length == 0 || piece.Contains('\uFFFD')) continue;
            int from = Math.Min(text.Length, end + (k - i));
            int at = text.IndexOf(piece, from, StringComparison.Ordinal);
            if (at >= 0) return (k, at);
        }
        return (ids.Length, text.Length);
    }
}
