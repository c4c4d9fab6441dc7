using System.Globalization;
using System.Text;

namespace ArML.Trainers.NGram;

/// <summary>
/// How token keys become ARPA words. An ARPA word cannot contain white space, so a key value is spelled with its
/// white space escaped as KenLM users write character corpora: ' ' → &lt;sp&gt;, '\n' → &lt;nl&gt;, '\t' → &lt;tab&gt;,
/// '\r' → &lt;cr&gt;, any other white space → &lt;U+XXXX&gt;; an empty value is &lt;empty&gt;. A column without key
/// values spells key k as the decimal number k.
/// </summary>
/// <remarks>
/// A key whose value is "&lt;unk&gt;" (as ArML's character tokenizer names its unknown-character key 1) is the
/// model's own &lt;unk&gt;. Values spelling "&lt;s&gt;" or "&lt;/s&gt;" are rejected: those are sentence markers.
/// </remarks>
public static class ArpaWords
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
        if (!keyValue.Any(char.IsWhiteSpace)) return keyValue;
        var sb = new StringBuilder();
        foreach (char c in keyValue)
        {
            sb.Append(c switch
            {
                ' ' => "<sp>",
                '\n' => "<nl>",
                '\t' => "<tab>",
                '\r' => "<cr>",
                _ when char.IsWhiteSpace(c) => $"<U+{(int)c:X4}>",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }

    /// <summary>
    /// The ARPA words of the keys of a column: the spelled <paramref name="keyValues"/>, or the key numbers when the
    /// column has none (<paramref name="keyValues"/> null).
    /// </summary>
    /// <exception cref="ArgumentException">Two keys spell the same word, or a key spells a sentence marker.</exception>
    public static string[] OfKeys(int keyCount, IReadOnlyList<string>? keyValues, string columnName)
    {
        if (keyValues != null && keyValues.Count != keyCount)
            throw new ArgumentException($"Column '{columnName}' has {keyCount} keys but {keyValues.Count} key values.");
        var spelled = new string[keyCount];
        var firstKey = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < keyCount; id++)
        {
            string word = keyValues is null ? (id + 1).ToString(CultureInfo.InvariantCulture) : Spell(keyValues[id]);
            if (word is SentenceStart or SentenceEnd)
                throw new ArgumentException($"Key {id + 1} of column '{columnName}' is '{word}', which n-gram models reserve for sentence boundaries.");
            if (!firstKey.TryAdd(word, id))
                throw new ArgumentException($"Keys {firstKey[word] + 1} and {id + 1} of column '{columnName}' both spell the ARPA word '{word}'.");
            spelled[id] = word;
        }
        return spelled;
    }
}
