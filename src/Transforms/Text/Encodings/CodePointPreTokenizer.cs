using System.Buffers;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace ArML.Transforms.Text.Encodings;

/// <summary>
/// A regular-expression pre-tokenizer that treats a surrogate pair as the one code point it is, so that
/// <c>\p{L}</c>, <c>\p{N}</c> and the other classes match letters and digits outside the Basic Multilingual Plane
/// (𝐤, 𝟘) as tiktoken and Hugging Face do. .NET's <see cref="Regex"/> matches per UTF-16 unit and sees such a
/// character as two unassigned units.
/// </summary>
/// <remarks>
/// Text without surrogates is split by the expression directly, at full speed. Otherwise each surrogate pair is
/// replaced by one stand-in character of the pair's Unicode general category (a BMP character that every class in
/// the encodings' patterns treats the same way), the stand-in text is split, and the pieces are mapped back to the
/// original offsets. Unpaired surrogates are left as they are (category Cs, neither letter, digit nor space).
/// Thread-safe.
/// </remarks>
internal sealed class CodePointPreTokenizer : PreTokenizer
{
    private readonly Regex _regex;

    /// <summary>Creates a pre-tokenizer that yields the matches of <paramref name="regex"/>.</summary>
    public CodePointPreTokenizer(Regex regex)
    {
        ArgumentNullException.ThrowIfNull(regex);
        _regex = regex;
    }

    /// <summary>GPT-2's split (gpt2, r50k_base, and ArML's byte-level BPE).</summary>
    public static CodePointPreTokenizer Gpt2 { get; } = new(SplitPatterns.Gpt2());

    /// <summary>cl100k_base's split.</summary>
    public static CodePointPreTokenizer Cl100kBase { get; } = new(SplitPatterns.Cl100kBase());

    /// <summary>o200k_base's split.</summary>
    public static CodePointPreTokenizer O200kBase { get; } = new(SplitPatterns.O200kBase());

    /// <summary>Word vocabularies' split: runs of letters, digits and marks; each other non-space character alone.</summary>
    public static CodePointPreTokenizer Words { get; } = new(SplitPatterns.Words());

    /// <summary>Pre-tokenized text's split: runs of characters other than white space.</summary>
    public static CodePointPreTokenizer Whitespace { get; } = new(SplitPatterns.Whitespace());

    /// <summary>The split of <paramref name="splitting"/>.</summary>
    internal static CodePointPreTokenizer Of(WordSplitting splitting) => splitting switch
    {
        WordSplitting.WordsAndPunctuation => Words,
        WordSplitting.Whitespace => Whitespace,
        _ => throw new ArgumentOutOfRangeException(nameof(splitting), $"Unknown word splitting {splitting}."),
    };

    /// <inheritdoc/>
    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) =>
        text is null ? [] : PreTokenize(text.AsSpan());

    /// <inheritdoc/>
    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text)
    {
        var pieces = new List<(int Offset, int Length)>();
        Split(text, pieces);
        return pieces;
    }

    /// <summary>Appends the (offset, length) of each piece of <paramref name="text"/> to <paramref name="pieces"/>.</summary>
    public void Split(ReadOnlySpan<char> text, List<(int Offset, int Length)> pieces)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        if (text.IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            foreach (var match in _regex.EnumerateMatches(text)) pieces.Add((match.Index, match.Length));
            return;
        }
        SplitWithStandIns(text, pieces);
    }

    private void SplitWithStandIns(ReadOnlySpan<char> text, List<(int Offset, int Length)> pieces)
    {
        char[] standIn = ArrayPool<char>.Shared.Rent(text.Length);
        int[] originalOffset = ArrayPool<int>.Shared.Rent(text.Length + 1);
        try
        {
            int n = 0;
            for (int i = 0; i < text.Length; i++)
            {
                originalOffset[n] = i;
                char c = text[i];
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    standIn[n++] = StandInFor(char.ConvertToUtf32(c, text[i + 1]));
                    i++;
                }
                else
                {
                    standIn[n++] = c;
                }
            }
            originalOffset[n] = text.Length;
            foreach (var match in _regex.EnumerateMatches(standIn.AsSpan(0, n)))
            {
                int start = originalOffset[match.Index];
                pieces.Add((start, originalOffset[match.Index + match.Length] - start));
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(standIn);
            ArrayPool<int>.Shared.Return(originalOffset);
        }
    }

    /// <summary>
    /// A BMP character of the same general category as <paramref name="codePoint"/>. None of them is whitespace,
    /// '\r', '\n', '/' or '\'', and none is case-equivalent to an ASCII letter, so the contraction and line-break
    /// parts of the patterns never see a difference.
    /// </summary>
    private static char StandInFor(int codePoint) => CharUnicodeInfo.GetUnicodeCategory(codePoint) switch
    {
        UnicodeCategory.UppercaseLetter => '\u0394',      // Δ
        UnicodeCategory.LowercaseLetter => '\u03B4',      // δ
        UnicodeCategory.TitlecaseLetter => '\u01C5',      // ǅ
        UnicodeCategory.ModifierLetter => '\u02B0',       // ʰ
        UnicodeCategory.OtherLetter => '\u05D0',          // א
        UnicodeCategory.NonSpacingMark => '\u0300',
        UnicodeCategory.SpacingCombiningMark => '\u0903',
        UnicodeCategory.EnclosingMark => '\u20DD',
        UnicodeCategory.DecimalDigitNumber => '\u0660',   // ٠
        UnicodeCategory.LetterNumber => '\u2160',         // Ⅰ
        UnicodeCategory.OtherNumber => '\u00B2',          // ²
        UnicodeCategory.ConnectorPunctuation => '\u203F', // ‿
        _ => '\u00A4',                                    // ¤: symbols, punctuation, format, private use, unassigned
    };
}
