using ArML.Persistence;

namespace ArML.Text;

/// <summary>
/// A codec that can be saved inside the files of a model that uses it (a language model trained on its column), so
/// that the loaded model encodes prompts exactly as the tokenizer did. See <see cref="TokenCodecStore"/>.
/// </summary>
internal interface IPersistableTokenCodec : ITokenCodec
{
    /// <summary>Whether this codec can be saved (false for tokenizers whose construction ArML cannot read back).</summary>
    bool CanSave { get; }

    /// <summary>The codec kind, which names the <see cref="ITokenCodecLoader"/> that reads it back.</summary>
    string CodecKind { get; }

    /// <summary>Writes the codec into <paramref name="writer"/>'s component, in files whose names start with <paramref name="prefix"/>.</summary>
    void SaveCodec(ArmlComponentWriter writer, string prefix);
}

/// <summary>Reads back one kind of <see cref="IPersistableTokenCodec"/>. Implementations have a public parameterless constructor.</summary>
internal interface ITokenCodecLoader
{
    /// <summary>Rebuilds the codec that <see cref="IPersistableTokenCodec.SaveCodec"/> wrote with <paramref name="prefix"/>.</summary>
    /// <exception cref="ArmlModelFormatException">The files are missing or invalid.</exception>
    ITokenCodec Load(ArmlComponentReader reader, string prefix);
}
