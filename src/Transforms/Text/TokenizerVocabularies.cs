using System.Runtime.CompilerServices;
using Microsoft.ML.Tokenizers;

namespace ArML.Transforms.Text;

/// <summary>Finds the <see cref="TokenVocabulary"/> behind a Microsoft.ML.Tokenizers <see cref="Tokenizer"/>.</summary>
internal static class TokenizerVocabularies
{
    private static readonly ConditionalWeakTable<Tokenizer, TokenVocabulary> Owners = [];

    /// <summary>Records that <paramref name="vocabulary"/> owns <paramref name="tokenizer"/>.</summary>
    public static void Register(Tokenizer tokenizer, TokenVocabulary vocabulary) => Owners.AddOrUpdate(tokenizer, vocabulary);

    /// <summary>
    /// The vocabulary of <paramref name="tokenizer"/>: the ArML vocabulary that created it; for a
    /// <see cref="TiktokenTokenizer"/> of a pretrained encoding, ArML's exact equivalent (recognized by its special
    /// tokens and verified on a probe text); for another <see cref="BpeTokenizer"/>, an unsaveable wrapper.
    /// </summary>
    /// <exception cref="ArgumentException">The tokenizer is of another kind, or a tiktoken encoding ArML does not ship.</exception>
    public static TokenVocabulary Of(Tokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (Owners.TryGetValue(tokenizer, out var owner)) return owner;
        switch (tokenizer)
        {
            case TiktokenTokenizer tiktoken:
                return RecognizePretrained(tiktoken) ?? throw new ArgumentException(
                    "This TiktokenTokenizer is not one of the encodings ArML ships (" + string.Join(", ", TiktokenVocabulary.EncodingNames) +
                    ") with its standard special tokens. Pass TiktokenVocabulary.Get(name) for one of those.", nameof(tokenizer));
            case BpeTokenizer bpe:
                return new ForeignTokenizerVocabulary(bpe, bpe.Vocabulary, bpe.SpecialTokens);
            default:
                throw new ArgumentException(
                    $"ArML tokenizes with a TiktokenTokenizer of a pretrained encoding or a BpeTokenizer; {tokenizer.GetType().Name} " +
                    "exposes no vocabulary ArML can use as key values.", nameof(tokenizer));
        }
    }

    private const string Probe = "Probe: it's 12345 apples, \u00e9t\u00e9 \u4e2d\u6587 \U0001F600!\n    def f(x):\n\t\treturn x  \r\n";

    private static TiktokenVocabulary? RecognizePretrained(TiktokenTokenizer tokenizer)
    {
        var specials = tokenizer.SpecialTokens ?? new Dictionary<string, int>();
        foreach (string name in TiktokenVocabulary.EncodingNames)
        {
            var expected = TiktokenVocabulary.SpecialTokensOf(name);
            if (specials.Count != expected.Count || specials.Any(p => !expected.TryGetValue(p.Key, out int id) || id != p.Value))
                continue;
            var candidate = TiktokenVocabulary.Get(name);
            // gpt2 and p50k_base share their special tokens; the probe's indented code tells them apart.
            if (tokenizer.EncodeToIds(Probe).SequenceEqual(candidate.Encode(Probe))) return candidate;
        }
        return null;
    }
}
