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
    /// BPE piece of a multi-byte character) gets length 0 and the next token covers the whole character.
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
        for (int i = 0; i < ids.Count; i++)
        {
            int next = EndOf(text, codec, idSpan, i, end);
            spans[i] = new TokenSpan(end, next - end, tokenSurprisals[i]);
            end = next;
        }
        spans[^1] = new TokenSpan(text.Length, 0, tokenSurprisals[^1]);
        return spans;
    }

    // Where token i's text ends, given that the tokens before it end at `end`: its own decoding when the text continues
    // with it (the usual, linear case), else the decoding of the whole prefix (codecs whose pieces depend on their
    // neighbours), else `end` itself (the prefix ends inside a character, or the codec is lossy there).
    private static int EndOf(string text, ITokenCodec codec, ReadOnlySpan<int> ids, int i, int end)
    {
        string piece = codec.Decode(ids.Slice(i, 1));
        if (!piece.Contains('\uFFFD') && text.AsSpan(end).StartsWith(piece, StringComparison.Ordinal)) return end + piece.Length;
        string prefix = codec.Decode(ids[..(i + 1)]);
        return prefix.Length >= end && !prefix.EndsWith('\uFFFD') && text.AsSpan().StartsWith(prefix, StringComparison.Ordinal) ? prefix.Length : end;
    }
}
