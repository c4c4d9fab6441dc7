using System.Text.RegularExpressions;

namespace ArML.Transforms.Text.Encodings;

/// <summary>
/// The pre-tokenization patterns of OpenAI's encodings, as tiktoken defines them. .NET has no possessive quantifiers;
/// where tiktoken writes one, the plain quantifier here matches the same text (the next element cannot take back
/// what it would give up). On their own these patterns see a surrogate pair as two non-letters;
/// <see cref="CodePointPreTokenizer"/> makes them see one code point.
/// </summary>
internal static partial class SplitPatterns
{
    private const RegexOptions Options = RegexOptions.CultureInvariant;

    /// <summary>gpt2, r50k_base (and byte-level BPE as Hugging Face's ByteLevel pre-tokenizer splits).</summary>
    [GeneratedRegex(@"'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", Options)]
    public static partial Regex Gpt2();

    /// <summary>cl100k_base.</summary>
    [GeneratedRegex(@"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+", Options)]
    public static partial Regex Cl100kBase();

    /// <summary>o200k_base.</summary>
    [GeneratedRegex(
        @"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?" +
        @"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?" +
        @"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+", Options)]
    public static partial Regex O200kBase();

    /// <summary>Words: runs of letters, digits, marks and connectors; every other non-space character alone.</summary>
    [GeneratedRegex(@"\w+|[^\w\s]", Options)]
    public static partial Regex Words();

    /// <summary>Whitespace-separated words: every run of characters other than white space.</summary>
    [GeneratedRegex(@"\S+", Options)]
    public static partial Regex Whitespace();
}
