using System.Globalization;
using System.Text;
using ArML.Text;

namespace ArML.Trainers.NGram;

/// <summary>
/// How token keys become ARPA words. An ARPA word cannot contain white space, so a key value is spelled with its
/// white space escaped as KenLM users write character corpora: ' ' → &lt;sp&gt;, '\n' → &lt;nl&gt;, '\t' → &lt;tab&gt;,
/// '\r' → &lt;cr&gt;, any other white space → &lt;U+XXXX&gt;, and so is an unpaired UTF-16 surrogate, which UTF-8 cannot
/// hold; an empty value is &lt;empty&gt;. A column without key values spells key k as the decimal number k. The keys of
/// ML.NET's <c>TokenizeIntoCharactersAsKeys</c> are spelled by their characters (their key values are display names,
/// one of them shared by all 2,048 surrogate halves).
/// </summary>
/// <remarks>
/// Every key gets its own word: a key whose spelling an earlier key already took (equal key values, a value that
/// reads like an escape, such as "&lt;sp&gt;" next to " "), or that would spell a sentence marker "&lt;s&gt;" or
/// "&lt;/s&gt;", or that looks like this fallback itself, is spelled &lt;key:N&gt; with N its key number. So the spelling
/// is one to one, and the column's spellings map words back to keys. A key whose value is "&lt;unk&gt;" (as ArML's
/// character tokenizer names its unknown-character key 1) is the model's own &lt;unk&gt;.
/// </remarks>
internal static class ArpaWords
{
    /// <summary>The unknown word.</summary>
    public const string Unknown = "<unk>";

    /// <summary>The start-of-sentence context.</summary>
    public const string SentenceStart = "<s>";

    /// <summary>The end of sentence.</summary>
    public const string SentenceEnd = "</s>";

    /// <summary>The ARPA spelling of a key value.</summary>
    public static string Spell(string keyValue)
    {
        ArgumentNullException.ThrowIfNull(keyValue);
        if (keyValue.Length == 0) return "<empty>";
        if (!NeedsEscape(keyValue)) return keyValue;
        var sb = new StringBuilder();
        for (int i = 0; i < keyValue.Length; i++)
        {
            char c = keyValue[i];
            if (char.IsHighSurrogate(c) && i + 1 < keyValue.Length && char.IsLowSurrogate(keyValue[i + 1]))
            {
                sb.Append(c).Append(keyValue[++i]);
                continue;
            }
            sb.Append(c switch
            {
                ' ' => "<sp>",
                '\n' => "<nl>",
                '\t' => "<tab>",
                '\r' => "<cr>",
                _ when char.IsWhiteSpace(c) || char.IsSurrogate(c) => $"<U+{(int)c:X4}>",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }

    /// <summary>The spelling of key <paramref name="key"/> when its value cannot spell it uniquely.</summary>
    public static string KeyFallback(long key) => "<key:" + key.ToString(CultureInfo.InvariantCulture) + ">";

    /// <summary>
    /// The ARPA words of the keys of a column: the spelled <paramref name="keyValues"/>, or the key numbers when the
    /// column has none (<paramref name="keyValues"/> null); one distinct word per key (see the remarks).
    /// </summary>
    /// <exception cref="ArgumentException">The number of key values differs from the key count.</exception>
    public static string[] OfKeys(int keyCount, IReadOnlyList<string>? keyValues, string columnName)
    {
        if (keyValues != null && keyValues.Count != keyCount)
            throw new ArgumentException($"Column '{columnName}' has {keyCount} keys but {keyValues.Count} key values.");
        bool characters = CharacterKeysCodec.Recognizes(keyValues);
        var spelled = new string[keyCount];
        var taken = new HashSet<string>(StringComparer.Ordinal);
        for (int id = 0; id < keyCount; id++)
        {
            string word = keyValues is null ? (id + 1).ToString(CultureInfo.InvariantCulture)
                : Spell(characters ? CharacterKeysCodec.Instance.GetToken(id) : keyValues[id]);
            if (word is SentenceStart or SentenceEnd || IsFallback(word) || !taken.Add(word))
            {
                word = KeyFallback(id + 1L);
                taken.Add(word);
            }
            spelled[id] = word;
        }
        return spelled;
    }

    private static bool NeedsEscape(string value)
    {
        foreach (char c in value)
            if (char.IsWhiteSpace(c) || char.IsSurrogate(c)) return true;
        return false;
    }

    // "<key:" digits ">": such a value would collide with the fallback of another key, so it takes its own fallback.
    private static bool IsFallback(string word) =>
        word.Length > 6 && word.StartsWith("<key:", StringComparison.Ordinal) && word[^1] == '>'
        && word.AsSpan(5, word.Length - 6).IndexOfAnyExceptInRange('0', '9') < 0;
}
