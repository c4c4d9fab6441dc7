using ArML.Text;
using Microsoft.ML.Tokenizers;

namespace ArML.Transforms.Text;

/// <summary>
/// A closed set of token ids with their display strings, the way to encode text into them and decode them back.
/// Every ArML tokenizer column carries one: pretrained tiktoken encodings, byte-level or file-based BPE, word and
/// character vocabularies.
/// </summary>
/// <remarks>
/// Instances are immutable and safe to use from several threads. Text is always encoded as ordinary text: a special
/// token's string inside a row is not recognized (as tiktoken's <c>encode_ordinary</c>); special ids enter a row only
/// through <see cref="TokenizeOptions.BeginOfSequenceToken"/> and <see cref="TokenizeOptions.EndOfSequenceToken"/>.
/// </remarks>
public abstract class TokenVocabulary : IPersistableTokenCodec
{
    /// <summary>The codec kind under which language models save a vocabulary (<see cref="TokenCodecStore"/>).</summary>
    internal const string CodecKind = "ArML.TokenVocabulary";

    private protected TokenVocabulary()
    {
    }

    /// <summary>Number of ids; ids are in [0, VocabularySize), and key values are ids + 1.</summary>
    public abstract int VocabularySize { get; }

    /// <summary>The id given to text outside a closed vocabulary, or null when every text has ids (byte-level vocabularies).</summary>
    public virtual int? UnknownId => null;

    /// <summary>Special tokens (such as "&lt;|endoftext|&gt;") by string; never produced by encoding text.</summary>
    public abstract IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>The Microsoft.ML.Tokenizers tokenizer that encodes, or null for vocabularies ArML encodes itself.</summary>
    public virtual Tokenizer? Tokenizer => null;

    /// <summary>A short description for messages, e.g. "pretrained encoding cl100k_base".</summary>
    public abstract string Description { get; }

    /// <summary>Whether <see cref="Decode"/> restores any encoded text exactly (byte-level vocabularies).</summary>
    public virtual bool IsLossless => false;

    /// <summary>The display string of <paramref name="id"/>: the column's key value for it.</summary>
    public abstract string GetToken(int id);

    /// <summary>Appends the ids of <paramref name="text"/> to <paramref name="ids"/>.</summary>
    public abstract void Encode(ReadOnlySpan<char> text, List<int> ids);

    /// <summary>The text of <paramref name="ids"/>; special tokens decode to their strings.</summary>
    public abstract string Decode(ReadOnlySpan<int> ids);

    /// <summary>The ids of <paramref name="text"/>.</summary>
    public IReadOnlyList<int> Encode(string? text)
    {
        var ids = new List<int>();
        Encode((text ?? "").AsSpan(), ids);
        return ids;
    }

    /// <summary>Whether <paramref name="id"/> is one of <see cref="SpecialTokens"/>.</summary>
    public bool IsSpecial(int id) => SpecialIds.Contains(id);

    /// <summary>How <c>SaveArml</c> writes this vocabulary; throws when it cannot be saved.</summary>
    internal abstract SavedVocabulary Describe(Dictionary<string, byte[]> files);

    /// <summary>Whether <see cref="Describe"/> can save this vocabulary.</summary>
    internal virtual bool CanSave => true;

    /// <summary>
    /// Characters of text worth a thread of their own when a batch of rows is encoded: below it, waking a thread costs
    /// more than it saves. Subword vocabularies spend tens of nanoseconds a character (4,096 characters: a fraction of a
    /// millisecond); a table lookup spends about one.
    /// </summary>
    internal virtual int CharactersPerThread => 4096;

    bool IPersistableTokenCodec.CanSave => CanSave;

    string IPersistableTokenCodec.CodecKind => CodecKind;

    void IPersistableTokenCodec.SaveCodec(Persistence.ArmlComponentWriter writer, string prefix) => VocabularyStore.SaveCodec(this, writer, prefix);

    private HashSet<int> SpecialIds => field ??= [.. SpecialTokens.Values];
}
