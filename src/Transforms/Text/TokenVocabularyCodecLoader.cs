using ArML.Persistence;
using ArML.Text;

namespace ArML.Transforms.Text;

/// <summary>
/// Reads a <see cref="TokenVocabulary"/> that a language model saved as its codec (<see cref="TokenCodecStore"/>):
/// the same description and files as a saved tokenizer's, under the codec's file-name prefix.
/// </summary>
internal sealed class TokenVocabularyCodecLoader : ITokenCodecLoader
{
    /// <inheritdoc/>
    public ITokenCodec Load(ArmlComponentReader reader, string prefix)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(prefix);
        return VocabularyStore.LoadCodec(reader, prefix);
    }
}
