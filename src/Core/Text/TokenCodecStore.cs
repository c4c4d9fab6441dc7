using System.Collections.Frozen;
using ArML.Persistence;

namespace ArML.Text;

/// <summary>
/// Saves a language model's token codec with the model and reads it back, so that <c>Generate(prompt)</c> on a loaded
/// model encodes text as its tokenizer did (a byte-level BPE's key values alone cannot: "Ġ" is the space).
/// </summary>
/// <remarks>
/// The codec goes into the model component's own folder: "codec.json" names its kind, and the codec's files start
/// with "codec.". A codec that cannot be saved (key values, or a tokenizer created outside ArML) writes nothing, and the
/// loaded model falls back to its key values, as files written before codecs were saved do. As with components, a file
/// can only name a codec kind from the fixed table here, never a type.
/// </remarks>
internal static class TokenCodecStore
{
    private const string FileName = "codec.json";
    private const string Prefix = "codec.";

    private static readonly IReadOnlyDictionary<string, string> LoaderTypeNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["ArML.TokenVocabulary"] = "ArML.Transforms.Text.TokenVocabularyCodecLoader, ArML.Transforms",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Writes <paramref name="codec"/> when it can be saved; otherwise writes nothing.</summary>
    public static void Save(ITokenCodec? codec, ArmlComponentWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (codec is not IPersistableTokenCodec { CanSave: true } persistable) return;
        writer.WriteJson(FileName, new SavedTokenCodec(persistable.CodecKind));
        persistable.SaveCodec(writer, Prefix);
    }

    /// <summary>The saved codec, or null when the component holds none.</summary>
    /// <param name="reader">The model component's files.</param>
    /// <param name="vocabularySize">The key count of the model's token column, which the codec must match.</param>
    /// <exception cref="ArmlModelFormatException">The codec's files are invalid, of an unknown kind, or of another vocabulary size.</exception>
    public static ITokenCodec? Load(ArmlComponentReader reader, int vocabularySize)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (!reader.Contains(FileName)) return null;
        var saved = reader.ReadJson<SavedTokenCodec>(FileName);
        var loader = ArmlComponentRegistry.CreateLoader<ITokenCodecLoader>(saved.Kind, LoaderTypeNames);
        var codec = loader.Load(reader, Prefix);
        if (codec.VocabularySize != vocabularySize)
            throw new ArmlModelFormatException(
                $"Component {reader.Kind} (part {reader.PartIndex}) holds a token codec of {codec.VocabularySize} tokens for a column of {vocabularySize} keys.");
        return codec;
    }

}

/// <summary>What "codec.json" holds.</summary>
/// <param name="Kind">The codec kind.</param>
internal sealed record SavedTokenCodec(string Kind);
