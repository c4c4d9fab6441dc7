using ArML.Persistence;
using ArML.Text;

namespace ArML.Transforms.Text;

/// <summary>Writes a <see cref="TokenVocabulary"/> into a component's files and reads it back.</summary>
internal static class VocabularyStore
{
    /// <summary>Writes the vocabulary's files and returns its description for the config.</summary>
    /// <exception cref="NotSupportedException">The vocabulary cannot be saved (a tokenizer created outside ArML).</exception>
    public static SavedVocabulary Save(TokenVocabulary vocabulary, ArmlComponentWriter writer, string prefix = "")
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var saved = vocabulary.Describe(files);
        foreach (var (name, bytes) in files) writer.WriteBytes(prefix + name, bytes);
        return saved;
    }

    /// <summary>Writes the vocabulary as a language model's codec: its files and its description, all under <paramref name="prefix"/>.</summary>
    public static void SaveCodec(TokenVocabulary vocabulary, ArmlComponentWriter writer, string prefix) =>
        writer.WriteJson(prefix + CodecDescriptionName, Save(vocabulary, writer, prefix));

    /// <summary>Reads a vocabulary written by <see cref="SaveCodec"/>.</summary>
    /// <exception cref="ArmlModelFormatException">The description or files are missing or invalid.</exception>
    public static TokenVocabulary LoadCodec(ArmlComponentReader reader, string prefix) =>
        Load(reader.ReadJson<SavedVocabulary>(prefix + CodecDescriptionName), reader, prefix);

    private const string CodecDescriptionName = "vocabulary.json";

    /// <exception cref="ArmlModelFormatException">The description or files are missing or invalid.</exception>
    public static TokenVocabulary Load(SavedVocabulary? saved, ArmlComponentReader reader, string prefix = "")
    {
        if (saved is null) throw new ArmlModelFormatException($"Component {reader.Kind} has no vocabulary in its config.json.");
        try
        {
            return saved.Kind switch
            {
                SavedVocabulary.PretrainedKind => TiktokenVocabulary.Get(saved.Encoding ?? throw Missing(saved, "encoding")),
                SavedVocabulary.BpeKind => BpeVocabulary.FromFiles(
                    new MemoryStream(reader.ReadBytes(prefix + "vocab.json")), new MemoryStream(reader.ReadBytes(prefix + "merges.txt")),
                    saved.ByteLevel ?? true, saved.UnknownToken, saved.SpecialTokens),
                SavedVocabulary.WordKind => new WordVocabulary(saved.Words ?? throw Missing(saved, "words"), saved.UnknownToken ?? "<unk>", saved.SpecialTokens,
                    saved.WordSplitting ?? WordSplitting.WordsAndPunctuation),
                SavedVocabulary.CharacterKind => new CharacterVocabulary(saved.CodePoints ?? throw Missing(saved, "codePoints"), saved.SpecialTokens),
                SavedVocabulary.KeyValuesKind => new KeyValuesVocabulary(new KeyValuesCodec(saved.Words ?? throw Missing(saved, "words"))),
                _ => throw new ArmlModelFormatException($"Component {reader.Kind} has a vocabulary of unknown kind '{saved.Kind}'."),
            };
        }
        catch (ArgumentException e)
        {
            throw new ArmlModelFormatException($"The {saved.Kind} vocabulary of component {reader.Kind} is invalid: {e.Message}", e);
        }
    }

    private static ArmlModelFormatException Missing(SavedVocabulary saved, string member) =>
        new($"The saved {saved.Kind} vocabulary lacks '{member}'.");
}
